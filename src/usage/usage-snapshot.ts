/** One rate-limit window as the service reports it (5-hour "primary", weekly "secondary"). */
export interface UsageWindow {
	/** 0..100 */
	usedPercent: number;
	windowMinutes: number;
	/** Epoch ms when this window resets, when known. */
	resetsAt?: number;
}

/** Where a snapshot came from: a `wham/usage` poll or the `x-codex-*` headers of a response. */
export type UsageSource = "poll" | "headers" | "error";

export interface UsageSnapshot {
	primary?: UsageWindow;
	secondary?: UsageWindow;
	planType?: string;
	/** Epoch ms when this was observed. */
	observedAt: number;
	source: UsageSource;
}

/** True when either window is full: the account cannot serve until that window resets. */
export function isUsageExhausted(usage: UsageSnapshot | undefined): boolean {
	if (!usage) return false;
	return (usage.primary?.usedPercent ?? 0) >= 100 || (usage.secondary?.usedPercent ?? 0) >= 100;
}

/** The latest reset among the full windows, i.e. when an exhausted account is usable again. */
export function exhaustedUntil(usage: UsageSnapshot | undefined): number | undefined {
	if (!usage) return undefined;
	let until: number | undefined;
	for (const window of [usage.primary, usage.secondary]) {
		if (window && window.usedPercent >= 100 && window.resetsAt !== undefined) {
			until = Math.max(until ?? 0, window.resetsAt);
		}
	}
	return until;
}

/**
 * The snapshot after the windows that reset by `time` have reset: their use drops to 0 and their
 * next reset is unknown until the service says. Other windows (often the weekly one) stay as seen.
 */
export function resetWindowsDueBy(usage: UsageSnapshot | undefined, time: number): UsageSnapshot | undefined {
	if (!usage) return undefined;
	const reset = (window: UsageWindow | undefined): UsageWindow | undefined =>
		window && window.resetsAt !== undefined && window.resetsAt <= time
			? { usedPercent: 0, windowMinutes: window.windowMinutes }
			: window;
	const primary = reset(usage.primary);
	const secondary = reset(usage.secondary);
	return { ...usage, ...(primary ? { primary } : {}), ...(secondary ? { secondary } : {}) };
}
