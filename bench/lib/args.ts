/** Command-line flags (node:util parseArgs). */
import { parseArgs } from "node:util";

export const SCENARIO_NAMES = [
	"baseline",
	"healthy",
	"failover-unknown",
	"failover-known",
	"naive",
	"transport",
	"scale",
	"crash",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface BenchOptions {
	scenarios: ScenarioName[];
	/** Overrides every scenario's sample count (the slowest variants stay capped). */
	samples: number | undefined;
	/** Tiny sizes, for the smoke test: proves the bench runs, not how fast anything is. */
	quick: boolean;
	/** Print the results as JSON on stdout instead of the table. */
	json: boolean;
	/** Results file; by default bench/results/latest.json for a full run (all scenarios, default sizes), else none. */
	out: string | undefined;
}

export const USAGE = `node bench/run.ts [--scenario <name|all>[,name…]] [--samples N] [--quick] [--json] [--out file]
scenarios: ${SCENARIO_NAMES.join(", ")}`;

export function parseBenchArgs(argv: string[]): BenchOptions | "help" {
	const { values } = parseArgs({
		args: argv,
		options: {
			scenario: { type: "string", multiple: true },
			samples: { type: "string" },
			quick: { type: "boolean", default: false },
			json: { type: "boolean", default: false },
			out: { type: "string" },
			help: { type: "boolean", short: "h", default: false },
		},
		strict: true,
	});
	if (values.help) return "help";
	const requested = (values.scenario ?? ["all"]).flatMap((s) => s.split(",")).map((s) => s.trim());
	const scenarios = requested.includes("all") ? [...SCENARIO_NAMES] : requested.map(scenarioName);
	let samples: number | undefined;
	if (values.samples !== undefined) {
		samples = Number(values.samples);
		if (!Number.isInteger(samples) || samples < 1) throw new Error(`--samples wants a positive integer`);
	}
	return { scenarios, samples, quick: values.quick, json: values.json, out: values.out };
}

/** The sample count for one scenario: --samples, else its quick or full default. */
export function sampleCount(options: BenchOptions, full: number, quick: number): number {
	return options.samples ?? (options.quick ? quick : full);
}

function scenarioName(name: string): ScenarioName {
	if ((SCENARIO_NAMES as readonly string[]).includes(name)) return name as ScenarioName;
	throw new Error(`unknown scenario "${name}"; one of: all, ${SCENARIO_NAMES.join(", ")}`);
}

/** Unrecorded rounds before each measured loop. */
export function warmupCount(options: BenchOptions): number {
	return options.quick ? 2 : 20;
}
