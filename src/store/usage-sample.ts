/**
 * One point of an account's usage history: what the long (weekly) and short (5 h) windows showed at
 * a moment. Small on purpose: a week of them per account is kept in the pool (`usage_history`).
 */
import { longestWindow, shortestWindow, type UsageSnapshot } from "../usage/usage-snapshot.ts";

export interface UsageSample {
	/** Epoch ms when the usage was observed. */
	at: number;
	/** The long window's used share, 0..100. */
	weekly?: number;
	/** When that window resets (tells one weekly cycle from the next). */
	weeklyResetsAt?: number;
	/** The short window's used share, 0..100. */
	short?: number;
}

/** The sample a usage snapshot makes; undefined when it has no window to record. */
export function sampleOf(usage: UsageSnapshot): UsageSample | undefined {
	const long = longestWindow(usage);
	const short = shortestWindow(usage);
	if (!long && !short) return undefined;
	return {
		at: usage.observedAt,
		...(long ? { weekly: long.usedPercent } : {}),
		...(long?.resetsAt !== undefined ? { weeklyResetsAt: long.resetsAt } : {}),
		...(short ? { short: short.usedPercent } : {}),
	};
}

/** A stored row back as a sample, or undefined when it is not one (never trusted blindly). */
export function parseSample(at: number, json: string): UsageSample | undefined {
	let value: unknown;
	try {
		value = JSON.parse(json);
	} catch {
		return undefined;
	}
	if (typeof value !== "object" || value === null) return undefined;
	const v = value as Record<string, unknown>;
	const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
	const weekly = num(v.weekly);
	const weeklyResetsAt = num(v.weeklyResetsAt);
	const short = num(v.short);
	return {
		at,
		...(weekly !== undefined ? { weekly } : {}),
		...(weeklyResetsAt !== undefined ? { weeklyResetsAt } : {}),
		...(short !== undefined ? { short } : {}),
	};
}
