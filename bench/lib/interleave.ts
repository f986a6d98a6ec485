/** Runs several measured arms side by side: one sample of each per round, in a rotating order. */
import { Samples, threadCpuMs } from "./stats.ts";

/** Resolves to the sample in ms, or to why the sample failed (counted as an error). */
export type Arm = () => Promise<number | string>;

export interface InterleaveOptions {
	rounds: number;
	/** Unrecorded rounds first (JIT, connection pool, first-use caches). */
	warmup: number;
	/** Runs after every arm's sample, outside the timing (e.g. let background work settle). */
	after?: (arm: string) => Promise<void>;
}

/**
 * Each sample's main-thread CPU time is recorded beside its value (`Summary.cpuMs`).
 * A B C, B C A, C A B, …: each arm sits in each position equally often, so slow drift (thermal,
 * other load, GC pressure) and order effects fall on every arm alike instead of on one.
 */
export async function interleave<K extends string>(
	arms: Record<K, Arm>,
	options: InterleaveOptions,
): Promise<Record<K, Samples>> {
	const names = Object.keys(arms) as K[];
	const samples = Object.fromEntries(names.map((name) => [name, new Samples()])) as Record<K, Samples>;
	for (let round = -options.warmup; round < options.rounds; round++) {
		const offset = ((round % names.length) + names.length) % names.length;
		for (let i = 0; i < names.length; i++) {
			const name = names[(i + offset) % names.length]!;
			const cpu0 = threadCpuMs();
			const value = await arms[name]();
			const cpu = threadCpuMs() - cpu0;
			if (round >= 0) {
				samples[name].recordCpu(cpu);
				if (typeof value === "string") samples[name].fail(value);
				else samples[name].record(value);
			}
			await options.after?.(name);
		}
	}
	return samples;
}
