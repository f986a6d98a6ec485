/**
 * Keeps the multi-process bench from rotting: runs `node bench/multiprocess.ts --quick --json`
 * (4 processes × 10 streams, no results file) and checks the report's structure. Never asserts a
 * timing: only that every stream ended well, nothing was lost or duplicated, no process routed to
 * the exhausted account after it knew, and the store probes (diagnostics channels) recorded lock
 * waits, writes and the cooldown's landing.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { MultiprocessReport } from "../../bench/multiprocess/report.ts";

const RUN = fileURLToPath(new URL("../../bench/multiprocess.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

async function runQuick(): Promise<MultiprocessReport> {
	const { stdout } = await promisify(execFile)(process.execPath, [RUN, "--quick", "--json"], {
		cwd: ROOT,
		maxBuffer: 16 * 1024 * 1024,
		timeout: 55_000,
	});
	return JSON.parse(stdout) as MultiprocessReport;
}

describe("multi-process bench smoke run (--quick)", () => {
	it("completes every stream, routes nothing after knowing, and records the store's lock waits", async () => {
		const report = await runQuick();
		const f = report.run.figures;

		expect(report.options).toMatchObject({ quick: true, procs: 4, streams: 10 });
		expect(f.streams.expected).toBe(40);
		expect(f.streams.ok).toBe(f.streams.expected);
		expect(f.streams.errors, f.streams.errorExamples.join("; ")).toBe(0);
		expect(f.streams.badTexts).toBe(0);
		expect(f.streams.upstreamLost).toBe(0);
		expect(f.streams.upstreamDuplicated).toBe(0);

		const e = f.exhaustion;
		expect(e.knownAt).toEqual(expect.any(Number));
		expect(e.lateAfterItKnew).toBe(0);
		expect(e.processes).toHaveLength(4);
		for (const p of e.processes) expect(p.lateAfterItKnew, `p${p.process}`).toBe(0);

		// From the diagnostics channels, in the actor threads: start-up usage writes always take the data lock.
		const { run, startup } = f.lockWaits;
		expect(startup.data.count).toBeGreaterThan(0);
		expect(startup.writes).toBeGreaterThan(0);
		expect(run.data.count + startup.data.count).toBeGreaterThanOrEqual(run.writes + startup.writes);
		expect(run.failed + startup.failed, [...run.errors, ...startup.errors].join(", ")).toBe(0);
		// The cooldown's landing, read back from the file under the writer's lock.
		expect(f.cooldownWrites).toBeGreaterThan(0);
		expect(e.persistMs).toEqual(expect.any(Number));
	});
});
