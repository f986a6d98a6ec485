/** One rate-limit window as the service reports it, known by its length (300 = 5 h, 10080 = week, 43200 = 30 days). */
export interface UsageWindow {
	/** 0..100 */
	usedPercent: number;
	windowMinutes: number;
	/** Epoch ms when this window resets, when known. */
	resetsAt?: number;
}

/** Where a snapshot came from: a `wham/usage` poll or the `x-codex-*` headers of a response. */
export type UsageSource = "poll" | "headers" | "error";

/**
 * The account's credits (`x-codex-credits-*`, wham `credits`). With credits, or unlimited, the service
 * keeps serving past a full window and bills the credits.
 */
export interface CreditsSnapshot {
	hasCredits: boolean;
	unlimited: boolean;
	/** Decimal string as the service sends it; often absent. */
	balance?: string;
}

/** A per-model limit (`x-codex-<id>-*`, wham `additional_rate_limits[]`), e.g. `codex_bengalfox`. */
export interface LimitUsage {
	/** Normalised limit id: lower case, `_` (`codex_bengalfox`). */
	id: string;
	/** The service's name for it (`x-codex-<id>-limit-name`, wham `limit_name`), often a model name. */
	name?: string;
	primary?: UsageWindow;
	secondary?: UsageWindow;
}

export interface UsageSnapshot {
	/**
	 * The service's two slots. Which one is weekly is not fixed (Free plans send the weekly limit as
	 * primary): read them through `usageWindows`, `longestWindow`, `shortestWindow`.
	 */
	primary?: UsageWindow;
	secondary?: UsageWindow;
	planType?: string;
	credits?: CreditsSnapshot;
	/**
	 * The service's own verdict that it refuses this account now (wham `rate_limit.allowed: false`,
	 * `limit_reached: true`, `rate_limit_reached_type`, `spend_control.reached`), whatever the numbers say.
	 */
	refused?: string;
	/** The limit the answer's main numbers belong to (`x-codex-active-limit`), when not `codex`. */
	activeLimit?: string;
	/** Per-model limits other than the account's main one. */
	limits?: LimitUsage[];
	/** Epoch ms when this was observed. */
	observedAt: number;
	source: UsageSource;
}

/**
 * Whether a window carries data, as codex-rs decides (`parse_rate_limit_window` `has_data`): an empty
 * slot comes as `0 %`, `0 min`, no reset. Snapshots stored before this rule kept such a slot with a
 * reset of "now"; a window of no length at 0 % is dropped for them too.
 */
export function hasWindowData(window: UsageWindow | undefined): window is UsageWindow {
	if (!window) return false;
	if (window.usedPercent !== 0) return true;
	return window.windowMinutes > 0;
}

/** The windows that carry data, shortest first. */
export function usageWindows(usage: { primary?: UsageWindow; secondary?: UsageWindow } | undefined): UsageWindow[] {
	if (!usage) return [];
	return [usage.primary, usage.secondary].filter(hasWindowData).sort((a, b) => a.windowMinutes - b.windowMinutes);
}

/** The longest window (the weekly one, or 30 days on some Free plans): the one that decides choice. */
export function longestWindow(usage: UsageSnapshot | undefined): UsageWindow | undefined {
	return usageWindows(usage).at(-1);
}

/** The shortest window when there are two (the 5 h one); undefined on a one-window plan. */
export function shortestWindow(usage: UsageSnapshot | undefined): UsageWindow | undefined {
	const windows = usageWindows(usage);
	return windows.length > 1 ? windows[0] : undefined;
}

/** "5h", "weekly", "30d", "90m": a window named by its length. */
export function windowLabel(minutes: number): string {
	if (minutes === 10080) return "weekly";
	if (minutes > 0 && minutes % 1440 === 0) return `${minutes / 1440}d`;
	if (minutes > 0 && minutes % 60 === 0) return `${minutes / 60}h`;
	return `${minutes}m`;
}

/** True when the plan's own quota is spent: a window is full. Credits may still serve (`isUsageExhausted`). */
export function isPlanQuotaFull(usage: UsageSnapshot | undefined): boolean {
	return usageWindows(usage).some((w) => w.usedPercent >= 100);
}

/** The service bills credits past a full window: the account has some, or is unlimited. */
export function hasCredits(usage: UsageSnapshot | undefined): boolean {
	return usage?.credits?.hasCredits === true || usage?.credits?.unlimited === true;
}

/** A full plan window the account's credits pay for: it serves, at a cost. */
export function isOnCredits(usage: UsageSnapshot | undefined): boolean {
	return usage?.refused === undefined && isPlanQuotaFull(usage) && hasCredits(usage);
}

/**
 * True when the service will refuse the account: it said so (`refused`), or a window is full and
 * no credits pay for more.
 */
export function isUsageExhausted(usage: UsageSnapshot | undefined): boolean {
	if (!usage) return false;
	if (usage.refused !== undefined) return true;
	return isPlanQuotaFull(usage) && !hasCredits(usage);
}

/** The latest reset among the full windows, i.e. when an exhausted account is usable again. */
export function exhaustedUntil(usage: UsageSnapshot | undefined): number | undefined {
	// Stryker disable next-line ConditionalExpression: no snapshot has no windows, so no reset either
	if (!usage) return undefined;
	let until: number | undefined;
	for (const window of usageWindows(usage)) {
		if (window.usedPercent >= 100 && window.resetsAt !== undefined) {
			until = Math.max(until ?? 0, window.resetsAt);
		}
	}
	return until;
}

/**
 * The snapshot after the windows that reset by `time` have reset: their use drops to 0 and their
 * next reset is unknown until the service says. Other windows (often the weekly one) stay as seen.
 * A refusal the service stated is over with the cooldown it caused.
 */
export function resetWindowsDueBy(usage: UsageSnapshot | undefined, time: number): UsageSnapshot | undefined {
	if (!usage) return undefined;
	const reset = (window: UsageWindow | undefined): UsageWindow | undefined =>
		// Stryker disable next-line ConditionalExpression: undefined <= time is false anyway
		window && window.resetsAt !== undefined && window.resetsAt <= time
			? { usedPercent: 0, windowMinutes: window.windowMinutes }
			: window;
	const primary = reset(usage.primary);
	const secondary = reset(usage.secondary);
	const { refused: _refused, ...rest } = usage;
	return { ...rest, ...(primary ? { primary } : {}), ...(secondary ? { secondary } : {}) };
}
