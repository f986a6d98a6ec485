import type { UsageSnapshot, WindowState } from "./types.ts";

// The x-codex-* header family the service attaches to /codex/responses answers.
// Names from openai/codex codex-rs/codex-api/src/rate_limits.rs (used-percent,
// window-minutes, reset-at in unix seconds) plus the reset-after-seconds,
// plan, active-limit and credits headers seen on live responses.
// x-codex-primary-over-secondary-limit-percent is left out: its meaning is unknown.

function formatPercent(value: number): string {
	return String(Math.round(value * 100) / 100);
}

function windowHeaders(name: "primary" | "secondary", window: WindowState, nowMs: number): Record<string, string> {
	const resetAt = Math.ceil(window.resetsAt / 1000);
	return {
		[`x-codex-${name}-used-percent`]: formatPercent(window.usedPercent),
		[`x-codex-${name}-window-minutes`]: String(window.windowMinutes),
		[`x-codex-${name}-reset-at`]: String(resetAt),
		[`x-codex-${name}-reset-after-seconds`]: String(Math.max(0, Math.ceil((window.resetsAt - nowMs) / 1000))),
	};
}

export function rateLimitHeaders(usage: UsageSnapshot, plan: string, nowMs = Date.now()): Record<string, string> {
	return {
		"x-codex-plan-type": plan,
		"x-codex-active-limit": "codex",
		...windowHeaders("primary", usage.primary, nowMs),
		...windowHeaders("secondary", usage.secondary, nowMs),
		"x-codex-credits-has-credits": "False",
		"x-codex-credits-unlimited": "False",
		"x-codex-credits-balance": "0",
	};
}
