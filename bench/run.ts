/**
 * pi-dispatch benchmarks: `npm run bench` (= node bench/run.ts). Self-contained on loopback: the
 * fake Codex backend runs in a child process; every comparison is measured side by side in the
 * same run. Prints a table (or JSON with --json) and writes bench/results/latest.json.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ActorWorker, actorWorkerBuild } from "./lib/actor-build.ts";
import { type BenchOptions, parseBenchArgs, SCENARIO_NAMES, type ScenarioName, USAGE } from "./lib/args.ts";
import { machineInfo } from "./lib/machine.ts";
import type { ScenarioResult } from "./lib/report.ts";
import type { Scenario } from "./lib/scenario.ts";
import { formatTable } from "./lib/table.ts";
import { startUpstream } from "./lib/upstream.ts";
import { baseline } from "./scenarios/baseline.ts";
import { crash } from "./scenarios/crash.ts";
import { failoverKnown } from "./scenarios/failover-known.ts";
import { failoverUnknown } from "./scenarios/failover-unknown.ts";
import { healthy } from "./scenarios/healthy.ts";
import { naive } from "./scenarios/naive.ts";
import { scale } from "./scenarios/scale.ts";
import { transport } from "./scenarios/transport.ts";

const SCENARIOS: Record<ScenarioName, Scenario> = {
	baseline,
	healthy,
	"failover-unknown": failoverUnknown,
	"failover-known": failoverKnown,
	naive,
	transport,
	scale,
	crash,
};

const DEFAULT_OUT = fileURLToPath(new URL("./results/latest.json", import.meta.url));

export interface BenchReport {
	machine: ReturnType<typeof machineInfo>;
	/** The compiled actor worker every scenario ran (except the probes marked "source"). */
	actorWorker: ActorWorker;
	options: { scenarios: string[]; samples: number | null; quick: boolean };
	durationMs: number;
	scenarios: (ScenarioResult & { durationMs: number; failed?: string })[];
}

const log = (message: string) => process.stderr.write(`${message}\n`);

async function main(options: BenchOptions): Promise<BenchReport> {
	const machine = machineInfo();
	const t0 = performance.now();
	const actorWorker = await actorWorkerBuild(log);
	// The core's own switch: actors start from the build, as in an installed package.
	process.env.PI_DISPATCH_ACTOR_WORKER = actorWorker.entry;
	const upstream = await startUpstream();
	const scenarios: BenchReport["scenarios"] = [];
	try {
		for (const name of options.scenarios) {
			log(`▶ ${name}`);
			const started = performance.now();
			try {
				const result = await SCENARIOS[name].run({ upstream, options, log });
				scenarios.push({ ...result, durationMs: Math.round(performance.now() - started) });
			} catch (error) {
				// One broken scenario must not hide the others' figures; the exit code tells.
				process.exitCode = 1;
				const failed = error instanceof Error ? (error.stack ?? error.message) : String(error);
				log(`✗ ${name}: ${failed}`);
				scenarios.push({ name, rows: [], errors: 1, figures: {}, durationMs: 0, failed });
			}
			await upstream.clearLog();
		}
	} finally {
		await upstream.close();
	}
	return {
		machine,
		actorWorker,
		options: { scenarios: options.scenarios, samples: options.samples ?? null, quick: options.quick },
		durationMs: Math.round(performance.now() - t0),
		scenarios,
	};
}

function header(report: BenchReport): string {
	const m = report.machine;
	return [
		`pi-dispatch bench — ${m.date}, ${(report.durationMs / 1000).toFixed(1)} s${report.options.quick ? " (--quick)" : ""}`,
		`${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, load ${m.loadAverage.join("/")}; node ${m.node}; ` +
			`pi-ai ${m.piAi}; commit ${m.gitCommit.slice(0, 10)}${m.gitDirty ? " (dirty tree)" : ""}`,
		`actors run ${report.actorWorker.entry} (${report.actorWorker.origin}).`,
		"TTFT = call → first text_delta. Δ = this arm's p50/p99 minus the baseline arm sampled alongside it.",
	].join("\n");
}

const parsed = parseBenchArgs(process.argv.slice(2));
if (parsed === "help") {
	process.stdout.write(`${USAGE}\n`);
} else {
	const report = await main(parsed);
	// Only a full run replaces the published results; a partial or quick one needs --out.
	const complete = !parsed.quick && parsed.samples === undefined && parsed.scenarios.length === SCENARIO_NAMES.length;
	const out = parsed.out ?? (complete ? DEFAULT_OUT : undefined);
	if (out) {
		await mkdir(dirname(resolve(out)), { recursive: true });
		await writeFile(out, `${JSON.stringify(report, null, "\t")}\n`);
	}
	if (parsed.json) {
		process.stdout.write(`${JSON.stringify(report)}\n`);
	} else {
		process.stdout.write(`${header(report)}\n\n${formatTable(report.scenarios.flatMap((s) => s.rows))}\n`);
		if (out) process.stdout.write(`\nwritten to ${out}\n`);
	}
}
