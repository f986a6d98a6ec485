/**
 * The multi-process bench (issue 5's figure): many pi processes sharing one accounts store, one
 * account running dry midway. `node bench/multiprocess.ts --help`; see multiprocess/README.md.
 * Prints a table (or JSON with --json) and writes bench/results/multiprocess.json.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { machineInfo } from "./lib/machine.ts";
import { parseMultiprocessArgs, USAGE } from "./multiprocess/args.ts";
import { formatRedisFigures, runRedisFigures } from "./multiprocess/redis-figures.ts";
import { conclude, formatReport, formatStoreFigures, type MultiprocessReport } from "./multiprocess/report.ts";
import { runMultiprocess } from "./multiprocess/run.ts";
import { runStoreFigures } from "./multiprocess/store-figures.ts";

const DEFAULT_OUT = fileURLToPath(new URL("./results/multiprocess.json", import.meta.url));
const log = (message: string) => process.stderr.write(`${message}\n`);

const parsed = parseMultiprocessArgs(process.argv.slice(2));
if (parsed === "help") {
	process.stdout.write(`${USAGE}\n`);
} else if (parsed.redis) {
	// The Redis pool's figures, merged into the results file next to the last full run's.
	const out = parsed.out ?? DEFAULT_OUT;
	const redis = await runRedisFigures(parsed.quick, log);
	if (!parsed.quick || parsed.out) {
		const previous = JSON.parse(await readFile(out, "utf8").catch(() => "{}")) as Record<string, unknown>;
		const merged = { ...previous, redis: { ...redis, measuredAt: new Date().toISOString(), machine: machineInfo() } };
		await writeFile(out, `${JSON.stringify(merged, null, "\t")}\n`);
	}
	process.stdout.write(parsed.json ? `${JSON.stringify(redis)}\n` : `${formatRedisFigures(redis)}\n`);
} else if (parsed.storeOnly) {
	// Only the store figures, merged into the results file next to the last full run's.
	const out = parsed.out ?? DEFAULT_OUT;
	const store = await runStoreFigures(parsed.oldTree ?? "", parsed.quick, log, parsed.oldTree !== undefined);
	const previous = JSON.parse(await readFile(out, "utf8").catch(() => "{}")) as Partial<MultiprocessReport>;
	const merged = { ...previous, store: { ...store, measuredAt: new Date().toISOString(), machine: machineInfo() } };
	if (!parsed.quick || parsed.out) await writeFile(out, `${JSON.stringify(merged, null, "\t")}\n`);
	process.stdout.write(`${formatStoreFigures(store)}\n`);
} else {
	const { json, out: outFlag, raw: rawFile, ...options } = parsed;
	const machine = machineInfo();
	const t0 = performance.now();
	const { raw, ...run } = await runMultiprocess(parsed, log);
	const report: MultiprocessReport = {
		machine,
		options,
		durationMs: Math.round(performance.now() - t0),
		run,
		conclusion: conclude(run.figures),
	};
	if (parsed.store) {
		const store = await runStoreFigures(parsed.oldTree ?? "", parsed.quick, log, parsed.oldTree !== undefined);
		report.store = { ...store, measuredAt: new Date().toISOString(), machine };
	}
	// A quick run proves the bench works, not how fast anything is: no results file unless asked.
	const out = outFlag ?? (parsed.quick ? undefined : DEFAULT_OUT);
	if (out) {
		await mkdir(dirname(resolve(out)), { recursive: true });
		await writeFile(out, `${JSON.stringify(report, null, "\t")}\n`);
	}
	if (rawFile) await writeFile(rawFile, `${JSON.stringify(raw)}\n`);
	if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
	else
		process.stdout.write(
			`${formatReport(report)}\n${report.store ? `\n${formatStoreFigures(report.store)}\n` : ""}${out ? `\nwritten to ${out}\n` : ""}`,
		);
	const f = run.figures;
	if (f.streams.errors > 0 || f.streams.ok !== f.streams.expected) process.exitCode = 1;
}
