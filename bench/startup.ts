/**
 * npm run bench:startup: what pi-dispatch adds to a pi start. The real `pi -p` alone and with
 * pi-dispatch at 1, 4 and 16 accounts, interleaved round by round; each actor thread's start-up
 * cost by build variant; pi's main-thread timings; and 16 pi processes × 16 accounts at once.
 * `--quick` proves it runs (tiny sizes, no results file). See bench/README.md, "Start-up cost".
 *
 *   node bench/startup.ts [--quick] [--rounds N] [--json] [--out file]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { machineInfo } from "./lib/machine.ts";
import { formatReport, type StartupReport, verdicts } from "./startup/report.ts";
import { runStartup, startupOptions } from "./startup/run.ts";

const DEFAULT_OUT = fileURLToPath(new URL("./results/startup.json", import.meta.url));
const log = (message: string) => process.stderr.write(`${message}\n`);

const { values } = parseArgs({
	options: {
		quick: { type: "boolean", default: false },
		rounds: { type: "string" },
		json: { type: "boolean", default: false },
		out: { type: "string" },
	},
});
const options = startupOptions(values.quick, values.rounds ? Number(values.rounds) : undefined);
const machine = machineInfo();
const t0 = performance.now();
const run = await runStartup(options, log);
const report: StartupReport = {
	machine,
	options,
	durationMs: Math.round(performance.now() - t0),
	run,
	verdicts: verdicts(run),
};
// A quick run proves the bench works, not how fast anything is: no results file unless asked.
const out = values.out ?? (values.quick ? undefined : DEFAULT_OUT);
if (out) {
	await mkdir(dirname(resolve(out)), { recursive: true });
	await writeFile(out, `${JSON.stringify(report, null, "\t")}\n`);
}
if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
else process.stdout.write(`${formatReport(report)}\n${out ? `\nwritten to ${out}\n` : ""}`);
const failed =
	run.piRuns.some((r) => r.errors > 0) || run.actorCost.some((r) => r.errors > 0) || run.fleet.errors.length > 0;
if (failed) process.exitCode = 1;
