/**
 * Load generator: `concurrency` clients, each starting its next stream as soon as the last one
 * ended, until the time is over. Watches the main thread's event-loop delay and CPU meanwhile.
 * `closedLoops` runs several arms in alternating slices (A B, B A, …) so that the load other
 * processes put on a shared machine falls on every arm alike, as `interleave` does for latency.
 */

import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
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

type Start = (client: number) => AsyncIterable<AssistantMessageEvent>;

/**
 * Main-thread event-loop delay, sampled every millisecond (the 5 ms target needs finer sampling than
 * the 10 ms default) by a timer that runs only inside a slice: each tick records how late it came.
 * Not `monitorEventLoopDelay`: enabled again for the next slice, it records the whole time it was
 * off (the other arm's slice, 100–250 ms) as one delay, which made every alternating run's p99 a
 * slice length.
 */
class DelaySampler {
	readonly histogram: RecordableHistogram = createHistogram();
	#timer: NodeJS.Timeout | undefined;
	#due = 0;

	start(): void {
		this.#due = performance.now() + 1;
		this.#timer = setInterval(() => {
			const now = performance.now();
			this.histogram.record(Math.max(1, Math.round((now - this.#due) * 1e6)));
			this.#due = now + 1;
		}, 1);
	}

	stop(): void {
		clearInterval(this.#timer);
	}
}

/** What one arm accumulates over its slices. */
class Load {
	readonly samples = new Samples();
	readonly delay = new DelaySampler();
	elapsedMs = 0;
	cpuMs = 0;

	async slice(concurrency: number, durationMs: number, start: Start): Promise<void> {
		this.delay.start();
		const cpu0 = threadCpuMs();
		const t0 = performance.now();
		const deadline = t0 + durationMs;
		await Promise.all(
			Array.from({ length: concurrency }, async (_, client) => {
				do {
					const ttft = ttftOf(await timeStream(() => start(client)));
					if (typeof ttft === "string") this.samples.fail(ttft);
					else this.samples.record(ttft);
				} while (performance.now() < deadline);
			}),
		);
		this.elapsedMs += performance.now() - t0;
		this.cpuMs += threadCpuMs() - cpu0;
		this.delay.stop();
	}

	result(concurrency: number): LoadResult {
		const streams = this.samples.count + this.samples.errors;
		return {
			concurrency,
			streams,
			errors: this.samples.errors,
			throughput: round((streams / this.elapsedMs) * 1000),
			ttft: this.samples.summary(),
			cpuPerStreamMs: round(this.cpuMs / Math.max(1, streams)),
			eventLoopDelay: {
				p50: round(this.delay.histogram.percentile(50) / 1e6),
				p99: round(this.delay.histogram.percentile(99) / 1e6),
				max: round(this.delay.histogram.max / 1e6),
			},
		};
	}
}

export async function closedLoop(concurrency: number, durationMs: number, start: Start): Promise<LoadResult> {
	const load = new Load();
	await load.slice(concurrency, durationMs, start);
	return load.result(concurrency);
}

/** Every arm runs `durationMs` in all, in `slices` turns of alternating order. */
export async function closedLoops<K extends string>(
	arms: Record<K, Start>,
	concurrency: number,
	durationMs: number,
	slices: number,
): Promise<Record<K, LoadResult>> {
	const names = Object.keys(arms) as K[];
	const loads = Object.fromEntries(names.map((name) => [name, new Load()])) as Record<K, Load>;
	for (let turn = 0; turn < slices; turn++) {
		const order = turn % 2 === 0 ? names : [...names].reverse();
		for (const name of order) await loads[name].slice(concurrency, durationMs / slices, arms[name]);
	}
	return Object.fromEntries(names.map((name) => [name, loads[name].result(concurrency)])) as Record<K, LoadResult>;
}
