/**
 * Load generator: `concurrency` clients, each starting its next stream as soon as the last one
 * ended, until `durationMs` is over. Watches the main thread's event-loop delay meanwhile.
 */

import { monitorEventLoopDelay } from "node:perf_hooks";
import type { AssistantMessageEvent } from "@earendil-works/pi-ai";
import { timeStream, ttftOf } from "./measure.ts";
import { round, Samples, type Summary, threadCpuMs } from "./stats.ts";

export interface LoadResult {
	concurrency: number;
	streams: number;
	errors: number;
	/** Completed streams per second. */
	throughput: number;
	ttft: Summary;
	/** Main-thread CPU per completed or failed stream, ms (`process.threadCpuUsage`). */
	cpuPerStreamMs: number;
	/** Main-thread event-loop delay while the load ran, ms. */
	eventLoopDelay: { p50: number; p99: number; max: number };
}

export async function closedLoop(
	concurrency: number,
	durationMs: number,
	start: (client: number) => AsyncIterable<AssistantMessageEvent>,
): Promise<LoadResult> {
	const samples = new Samples();
	// 1 ms resolution: the 5 ms target needs finer sampling than the 10 ms default.
	const delay = monitorEventLoopDelay({ resolution: 1 });
	delay.enable();
	const cpu0 = threadCpuMs();
	const t0 = performance.now();
	const deadline = t0 + durationMs;
	await Promise.all(
		Array.from({ length: concurrency }, async (_, client) => {
			do {
				const ttft = ttftOf(await timeStream(() => start(client)));
				if (typeof ttft === "string") samples.fail(ttft);
				else samples.record(ttft);
			} while (performance.now() < deadline);
		}),
	);
	const elapsed = performance.now() - t0;
	const cpu = threadCpuMs() - cpu0;
	delay.disable();
	const streams = samples.count + samples.errors;
	return {
		concurrency,
		streams,
		errors: samples.errors,
		throughput: round((streams / elapsed) * 1000),
		ttft: samples.summary(),
		cpuPerStreamMs: round(cpu / Math.max(1, streams)),
		eventLoopDelay: {
			p50: round(delay.percentile(50) / 1e6),
			p99: round(delay.percentile(99) / 1e6),
			max: round(delay.max / 1e6),
		},
	};
}
