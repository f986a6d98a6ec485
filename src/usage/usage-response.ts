import { toNumber } from "./rate-limit-headers.ts";
import type { UsageSnapshot, UsageWindow } from "./usage-snapshot.ts";

/** Parses `GET {base}/wham/usage`: `{ plan_type, rate_limit: { primary_window, secondary_window } }`. */
export function usageFromWhamResponse(json: unknown, now: number): UsageSnapshot | undefined {
	if (!json || typeof json !== "object") return undefined;
	const body = json as { plan_type?: unknown; rate_limit?: { primary_window?: unknown; secondary_window?: unknown } };
	const primary = windowFromJson(body.rate_limit?.primary_window, now);
	const secondary = windowFromJson(body.rate_limit?.secondary_window, now);
	if (!primary && !secondary) return undefined;
	return {
		...(primary ? { primary } : {}),
		...(secondary ? { secondary } : {}),
		...(typeof body.plan_type === "string" ? { planType: body.plan_type } : {}),
		observedAt: now,
		source: "poll",
	};
}

function windowFromJson(raw: unknown, now: number): UsageWindow | undefined {
	if (!raw || typeof raw !== "object") return undefined;
	const w = raw as Record<string, string | number | undefined>;
	const used = toNumber(w.used_percent);
	if (used === undefined) return undefined;
	const windowSeconds = toNumber(w.limit_window_seconds) ?? 0;
	const resetAt = toNumber(w.reset_at);
	const resetAfter = toNumber(w.reset_after_seconds);
	const resetsAt =
		resetAt !== undefined ? resetAt * 1000 : resetAfter !== undefined ? now + resetAfter * 1000 : undefined;
	return { usedPercent: used, windowMinutes: Math.round(windowSeconds / 60), ...(resetsAt ? { resetsAt } : {}) };
}
