/**
 * Burn rate and runway, from the usage history: how fast each account's weekly window fills, and
 * when the pool's weekly quota runs out at that pace, against the first weekly reset. Pure.
 *
 * The pool's figures add the accounts' percentages as if every plan had the same quota (the
 * service reports shares, not amounts): "63 % left" is the average of what each account has left.
 */
import type { UsageSample } from "../store/usage-sample.ts";

const HOUR = 3_600_000;
/** How far back the burn rate looks: the current pace, not the week's. */
export const BURN_LOOKBACK_MS = 6 * HOUR;
/** A rate from a shorter span than this says little. */
export const BURN_MIN_SPAN_MS = 20 * 60_000;

/**
 * The weekly window's burn rate, in percent of the window per hour, over the last `lookbackMs` of
 * the current weekly cycle (a drop in use, or a later reset time, starts a new cycle).
 * Undefined when the history is too short to tell.
 */
export function burnRate(
	samples: readonly UsageSample[],
	now: number,
	lookbackMs = BURN_LOOKBACK_MS,
): number | undefined {
	const points = samples.filter((s) => s.weekly !== undefined && s.at <= now && s.at >= now - lookbackMs);
	const last = points.at(-1);
	if (!last) return undefined;
	let first = last;
	for (let i = points.length - 2; i >= 0; i--) {
		const p = points[i]!;
		const next = points[i + 1]!;
		const reset =
			p.weekly! > next.weekly! + 0.5 ||
			(p.weeklyResetsAt !== undefined &&
				next.weeklyResetsAt !== undefined &&
				next.weeklyResetsAt - p.weeklyResetsAt > HOUR);
		if (reset) break;
		first = p;
	}
	const span = last.at - first.at;
	if (span < BURN_MIN_SPAN_MS) return undefined;
	return Math.max(0, ((last.weekly! - first.weekly!) / span) * HOUR);
}

export interface AccountQuota {
	id: string;
	label: string;
	/** Used share of the weekly window now, 0..100. */
	weeklyUsed: number;
	weeklyResetsAt?: number;
	/** Percent per hour; undefined when unknown. */
	burn?: number;
	/** The share it may be used up to: a hard cap, else 100. */
	limit?: number;
}

export interface Runway {
	/** What the pool has left of its weekly quota, in percent (the accounts' average). */
	remainingPercent: number;
	/** The pool's burn in percent of the pool per hour; undefined when no account's rate is known. */
	burnPercentPerHour?: number;
	/** When the pool runs dry at that rate (epoch ms); undefined when nothing burns. */
	dryAt?: number;
	/** The weekly reset that comes first, and whether it comes before the pool runs dry. */
	firstReset?: { label: string; at: number; beforeDry: boolean };
}

/** The pool's runway; undefined when no account reports a weekly window. */
export function poolRunway(accounts: readonly AccountQuota[], now: number): Runway | undefined {
	if (accounts.length === 0) return undefined;
	let remaining = 0;
	let burn: number | undefined;
	let first: { label: string; at: number } | undefined;
	for (const a of accounts) {
		const limit = Math.min(100, a.limit ?? 100);
		remaining += Math.max(0, limit - a.weeklyUsed);
		if (a.burn !== undefined) burn = (burn ?? 0) + a.burn;
		if (a.weeklyResetsAt !== undefined && a.weeklyResetsAt > now && (!first || a.weeklyResetsAt < first.at)) {
			first = { label: a.label, at: a.weeklyResetsAt };
		}
	}
	const n = accounts.length;
	const dryAt = burn !== undefined && burn > 0 ? now + (remaining / burn) * HOUR : undefined;
	return {
		remainingPercent: remaining / n,
		...(burn !== undefined ? { burnPercentPerHour: burn / n } : {}),
		...(dryAt !== undefined ? { dryAt } : {}),
		...(first ? { firstReset: { ...first, beforeDry: dryAt === undefined || first.at <= dryAt } } : {}),
	};
}
