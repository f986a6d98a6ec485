/**
 * Keeps the benchmarks from rotting: runs `node bench/run.ts --quick --json` (tiny sizes, no
 * results file) and checks the report's shape. Never asserts a timing: only that every scenario
 * ran, every figure is a finite number, nothing errored, no request reached an account known to be
 * exhausted, and the WebSocket arms stayed on WebSocket.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { SCENARIO_NAMES } from "../../bench/lib/args.ts";
import type { Row } from "../../bench/lib/report.ts";
import type { BenchReport } from "../../bench/run.ts";

const RUN = fileURLToPath(new URL("../../bench/run.ts", import.meta.url));
const PROFILE = fileURLToPath(new URL("../../bench/profile.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function runQuickBench(): Promise<BenchReport> {
	const { stdout } = await promisify(execFile)(process.execPath, [RUN, "--quick", "--json"], {
		cwd: ROOT,
		maxBuffer: 16 * 1024 * 1024,
		timeout: 80_000,
	});
	return JSON.parse(stdout) as BenchReport;
}

function finiteFigures(row: Row): number[] {
	return [row.p50, row.p99, row.value, row.cpu].filter((v): v is number => v !== undefined);
}

describe("bench smoke run (--quick)", () => {
	it("runs every scenario and reports finite figures, no errors and no requests to exhausted accounts", async () => {
		const report = await runQuickBench();

		expect(report.machine).toMatchObject({
			node: process.version,
			piAi: expect.stringMatching(/^\d+\.\d+\.\d+/),
			gitCommit: expect.any(String),
			cpuModel: expect.any(String),
			cores: expect.any(Number),
		});
		expect(report.scenarios.map((s) => s.name)).toEqual([...SCENARIO_NAMES]);
		for (const scenario of report.scenarios) {
			expect(scenario.failed, scenario.name).toBeUndefined();
			expect(scenario.errors, `${scenario.name} errors`).toBe(0);
			expect(scenario.rows.length, `${scenario.name} rows`).toBeGreaterThan(0);
			for (const row of scenario.rows) {
				if (row.skipped) continue;
				expect(row.samples, row.scenario).toBeGreaterThan(0);
				const figures = finiteFigures(row);
				expect(figures.length, row.scenario).toBeGreaterThan(0);
				for (const figure of figures) expect(Number.isFinite(figure), `${row.scenario}: ${figure}`).toBe(true);
				if (row.target !== undefined) expect(typeof row.met, row.scenario).toBe("boolean");
				// Every request-timing row reports the main thread's CPU per request beside its time. It may
				// read 0 in a --quick run: this kernel counts a thread's CPU in 4 ms ticks (bench/README.md).
				if (row.scenario.endsWith("TTFT"))
					expect(row.cpu, `${row.scenario}: main CPU/req`).toBeGreaterThanOrEqual(0);
			}
		}

		// …and over the whole run the CPU was measured, not left at 0.
		expect(report.scenarios.flatMap((s) => s.rows).some((row) => (row.cpu ?? 0) > 0)).toBe(true);

		const byName = Object.fromEntries(report.scenarios.map((s) => [s.name, s]));
		expect(byName["failover-known"]!.figures.requestsToExhausted).toBe(0);
		expect(byName["failover-unknown"]!.figures.misroutes).toBe(0);
		expect(byName.naive!.figures.misroutes).toBe(0);
		// The WebSocket arms really ran over WebSocket: pi-ai never fell back to SSE.
		expect(byName.transport!.figures.sseFallbacks).toBe(0);
		const scale = byName.scale!.figures as { combos: { accounts: number; concurrency: number }[] };
		expect(scale.combos.map((c) => c.concurrency)).toEqual(expect.arrayContaining([1, 10, 100]));
	}, 90_000);

	it("profile --path own: reports both arms' CPU per request", async () => {
		const { stdout } = await promisify(execFile)(process.execPath, [PROFILE, "--path", "own", "--requests", "1200"], {
			cwd: ROOT,
			timeout: 60_000,
		});
		const direct = Number(/client direct\s+([\d.]+) µs/.exec(stdout)?.[1]);
		const through = Number(/through the dispatcher\s+([\d.]+) µs/.exec(stdout)?.[1]);
		// A figure, not a timing check (timings belong in bench/): both arms ran and measured.
		expect(direct).toBeGreaterThan(0);
		expect(through).toBeGreaterThan(0);
	}, 70_000);
});
