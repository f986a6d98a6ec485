/**
 * Latency samples and their summary: exact nearest-rank percentiles over a sorted copy. The sample
 * counts here are small (tens to a few thousand), where an HDR histogram's rounding would blur
 * the sub-millisecond differences the targets are about.
 */
export interface Summary {
	count: number;
	min: number;
	mean: number;
	stddev: number;
	p50: number;
	p90: number;
	p99: number;
	max: number;
	/** Main-thread CPU per sample, ms (mean; `process.threadCpuUsage`), when measured. */
	cpuMs?: number;
	/** Only when some samples failed. */
	errors?: number;
	errorExamples?: string[];
}

export class Samples {
	readonly #values: number[] = [];
	#cpuMs = 0;
	#cpuSamples = 0;
	errors = 0;
	/** The first few error descriptions, for results/latest.json. */
	readonly errorExamples: string[] = [];

	record(value: number): void {
		this.#values.push(value);
	}

	/** The main thread's CPU time spent on one sample (successful or not), ms. */
	recordCpu(ms: number): void {
		this.#cpuMs += ms;
		this.#cpuSamples++;
	}

	fail(reason: string): void {
		this.errors++;
		if (this.errorExamples.length < 5) this.errorExamples.push(reason);
	}

	get count(): number {
		return this.#values.length;
	}

	summary(): Summary {
		const values = summarize(this.#values);
		const summary = this.#cpuSamples > 0 ? { ...values, cpuMs: round(this.#cpuMs / this.#cpuSamples) } : values;
		return this.errors === 0 ? summary : { ...summary, errors: this.errors, errorExamples: this.errorExamples };
	}
}

export function summarize(values: readonly number[]): Summary {
	const sorted = [...values].sort((a, b) => a - b);
	const count = sorted.length;
	if (count === 0) return { count, min: NaN, mean: NaN, stddev: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
	const mean = sorted.reduce((sum, v) => sum + v, 0) / count;
	const variance = sorted.reduce((sum, v) => sum + (v - mean) ** 2, 0) / count;
	return {
		count,
		min: round(sorted[0]!),
		mean: round(mean),
		stddev: round(Math.sqrt(variance)),
		p50: round(percentile(sorted, 50)),
		p90: round(percentile(sorted, 90)),
		p99: round(percentile(sorted, 99)),
		max: round(sorted[count - 1]!),
	};
}

/** Nearest rank on an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** CPU time this thread has spent so far, ms (the main thread's own, not the actors'). */
export function threadCpuMs(): number {
	const { user, system } = process.threadCpuUsage();
	return (user + system) / 1000;
}

/** Three decimals: microseconds are the finest unit worth printing. */
export function round(value: number): number {
	return Math.round(value * 1000) / 1000;
}
