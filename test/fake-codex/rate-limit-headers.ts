import type { Account, LimitState } from "./accounts.ts";
import type { UsageSnapshot, WindowState } from "./types.ts";

// The x-codex-* header family the service attaches to /codex/responses answers.
// Names from openai/codex codex-rs/codex-api/src/rate_limits.rs (used-percent,
// window-minutes, reset-at in unix seconds; per-limit families x-codex-<id>-*
// with -limit-name; credits has-credits/unlimited/balance) plus the
// reset-after-seconds, plan and active-limit headers seen on live responses
// (icebear0828/codex-proxy#65). A one-window plan's empty secondary slot is sent
// as it is live: 0, 0, an empty reset-at. x-codex-primary-over-secondary-limit-percent
// is left out: its meaning is unknown.

function formatPercent(value: number): string {
	return String(Math.round(value * 100) / 100);
}

function windowHeaders(prefix: string, window: WindowState | undefined, nowMs: number): Record<string, string> {
	if (!window) {
		return {
			[`${prefix}-used-percent`]: "0",
			[`${prefix}-window-minutes`]: "0",
			[`${prefix}-reset-at`]: "",
			[`${prefix}-reset-after-seconds`]: "0",
		};
	}
	const resetAt = Math.ceil(window.resetsAt / 1000);
	return {
		[`${prefix}-used-percent`]: formatPercent(window.usedPercent),
		[`${prefix}-window-minutes`]: String(window.windowMinutes),
		[`${prefix}-reset-at`]: String(resetAt),
		[`${prefix}-reset-after-seconds`]: String(Math.max(0, Math.ceil((window.resetsAt - nowMs) / 1000))),
	};
}

/** `codex_bengalfox` → `x-codex-bengalfox` (codex-rs: `x-` + the id with `_` as `-`). */
export function limitHeaderPrefix(id: string): string {
	return `x-${id.toLowerCase().replaceAll("_", "-")}`;
}

function limitHeaders(limit: LimitState, nowMs: number): Record<string, string> {
	const prefix = limitHeaderPrefix(limit.id);
	return {
		...windowHeaders(`${prefix}-primary`, limit.window, nowMs),
		...(limit.name ? { [`${prefix}-limit-name`]: limit.name } : {}),
	};
}

/**
 * Every answer's x-codex-* headers. `active`: the per-model limit this request counted against; it
 * is named by `x-codex-active-limit`, as on the live service's 429s.
 */
export function rateLimitHeaders(
	account: Account,
	usage: UsageSnapshot,
	nowMs = Date.now(),
	active?: LimitState,
): Record<string, string> {
	const credits = account.credits;
	const headers: Record<string, string> = {
		"x-codex-plan-type": account.plan,
		"x-codex-active-limit": active?.id ?? "codex",
		...windowHeaders("x-codex-primary", usage.primary, nowMs),
		...windowHeaders("x-codex-secondary", account.singleWindow ? undefined : usage.secondary, nowMs),
		"x-codex-credits-has-credits": credits?.hasCredits ? "True" : "False",
		"x-codex-credits-unlimited": credits?.unlimited ? "True" : "False",
		"x-codex-credits-balance": credits?.balance ?? "",
	};
	for (const limit of account.limits) Object.assign(headers, limitHeaders(limit, nowMs));
	return headers;
}
