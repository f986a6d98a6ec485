import type { UsageSnapshot, UsageWindow } from "./usage-snapshot.ts";

/** Reads the `x-codex-{primary,secondary}-*` headers every Codex response carries. */
export function usageFromHeaders(headers: Record<string, string>, now: number): UsageSnapshot | undefined {
	const primary = windowFromHeaders(headers, "primary", now);
	const secondary = windowFromHeaders(headers, "secondary", now);
	if (!primary && !secondary) return undefined;
	const planType = headers["x-codex-plan-type"];
	return {
		...(primary ? { primary } : {}),
		...(secondary ? { secondary } : {}),
		...(planType ? { planType } : {}),
		observedAt: now,
		source: "headers",
	};
}

function windowFromHeaders(headers: Record<string, string>, which: string, now: number): UsageWindow | undefined {
	const used = toNumber(headers[`x-codex-${which}-used-percent`]);
	if (used === undefined) return undefined;
	const windowMinutes = toNumber(headers[`x-codex-${which}-window-minutes`]) ?? 0;
	const resetAt = toNumber(headers[`x-codex-${which}-reset-at`]);
	const resetAfter = toNumber(headers[`x-codex-${which}-reset-after-seconds`]);
	const resetsAt =
		resetAt !== undefined ? resetAt * 1000 : resetAfter !== undefined ? now + resetAfter * 1000 : undefined;
	return { usedPercent: used, windowMinutes, ...(resetsAt !== undefined ? { resetsAt } : {}) };
}

/** `retry-after-ms`, then `retry-after` in seconds or as an HTTP date; epoch ms or undefined. */
export function retryAfterFromHeaders(headers: Record<string, string>, now: number): number | undefined {
	const ms = toNumber(headers["retry-after-ms"]);
	if (ms !== undefined) return now + ms;
	const raw = headers["retry-after"];
	if (!raw) return undefined;
	const seconds = toNumber(raw);
	if (seconds !== undefined) return now + seconds * 1000;
	const date = Date.parse(raw);
	return Number.isNaN(date) ? undefined : date;
}

export function toNumber(value: string | number | undefined | null): number | undefined {
	if (value === undefined || value === null || value === "") return undefined;
	const n = typeof value === "number" ? value : Number(value);
	return Number.isFinite(n) ? n : undefined;
}
