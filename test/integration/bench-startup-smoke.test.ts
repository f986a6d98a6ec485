/**
 * Keeps `npm run bench:startup` from rotting: runs it with --quick --json (tiny sizes, no results
 * file) and checks the report's shape. Never asserts a timing or a target verdict: only that every
 * part ran, every figure is a finite number, and nothing failed.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { StartupReport } from "../../bench/startup/report.ts";

const BENCH = fileURLToPath(new URL("../../bench/startup.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function runQuick(): Promise<StartupReport> {
	const env = { ...process.env };
	delete env.PI_DISPATCH_ACTOR_WORKER; // the bench measures its own build, bundle included
	const { stdout } = await promisify(execFile)(process.execPath, [BENCH, "--quick", "--json"], {
		cwd: ROOT,
		env,
		maxBuffer: 16 * 1024 * 1024,
		timeout: 170_000,
	});
	return JSON.parse(stdout) as StartupReport;
}

const finite = (n: number) => Number.isFinite(n);

describe("bench:startup smoke run (--quick)", () => {
	it("runs pi alone and with pi-dispatch, the actor arms, the main-thread probes and the fleet", async () => {
		const { run, verdicts } = await runQuick();

		// pi alone, the build as installed at 1 and 2 accounts, and tsc's modules beside it (no target).
		expect(run.piRuns.map((r) => [r.accounts, r.reference ?? false])).toEqual([
			[0, false],
			[1, false],
			[2, false],
			[1, true],
		]);
		expect(verdicts.filter((v) => v.target.startsWith("wall p50"))).toHaveLength(2);
		for (const arm of run.piRuns) {
			expect(arm.errors, `${arm.arm}: ${arm.errorExamples.join("; ")}`).toBe(0);
			expect(arm.runs, arm.arm).toBeGreaterThan(0);
			expect(finite(arm.wallMs.p50) && finite(arm.wallMs.p90), arm.arm).toBe(true);
			expect(finite(arm.peakRssMB.p50), arm.arm).toBe(true);
			// pi chose the model itself, the same one with and without pi-dispatch.
			expect(arm.models, arm.arm).toEqual(run.piRuns[0]!.models);
		}
		expect(run.piRuns[0]!.models).toHaveLength(1);

		expect(run.actorCost.length).toBeGreaterThan(0);
		for (const row of run.actorCost) {
			expect(row.errors, row.arm).toBe(0);
			expect(finite(row.readyMs.p50) && finite(row.rssPerActorMB.p50), row.arm).toBe(true);
		}
		expect(run.workerBundle.bytes).toBeGreaterThan(0);

		// PI_TIMING's lines are pi's, not an API: a run either has the figures or says it had none.
		for (const row of run.mainThread) {
			expect(row.runs > 0 ? finite(row.moduleImportMs.p50) : row.unavailable > 0, row.arm).toBe(true);
		}

		expect(run.fleet.errors).toEqual([]);
		expect(run.fleet.samples).toHaveLength(run.fleet.processes);
		for (const sample of run.fleet.samples) expect(sample.threads).toBeGreaterThan(0);
		expect(finite(run.fleet.totalRssMB)).toBe(true);
		expect(run.fleet.usageCallsPerAccount.total).toBeGreaterThanOrEqual(0);

		expect(verdicts.length).toBeGreaterThan(0);
		for (const v of verdicts) expect(typeof v.met, v.target).toBe("boolean");
	}, 180_000);
});
