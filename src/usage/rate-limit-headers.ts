import type { CreditsSnapshot, LimitUsage, UsageSnapshot, UsageWindow } from "./usage-snapshot.ts";

/**
 * Reads the `x-codex-*` headers every Codex response carries (codex-rs `rate_limits.rs`): the main
 * (`codex`) family's windows, the credits, the active limit and the other per-model families.
 * An empty header counts as absent; an empty window (0 %, 0 min, no reset) is dropped.
 */
export function usageFromHeaders(headers: Record<string, string>, now: number): UsageSnapshot | undefined {
	const primary = windowFromHeaders(headers, "x-codex-primary", now);
	const secondary = windowFromHeaders(headers, "x-codex-secondary", now);
	const credits = creditsFromHeaders(headers);
	const limits = limitFamilies(headers, now);
	if (!primary && !secondary && !credits && limits.length === 0) return undefined;
	const planType = nonEmpty(headers["x-codex-plan-type"]);
	const activeLimit = limitId(headers["x-codex-active-limit"]);
	return {
		...(primary ? { primary } : {}),
		...(secondary ? { secondary } : {}),
		...(planType ? { planType } : {}),
		...(credits ? { credits } : {}),
		...(activeLimit && activeLimit !== "codex" ? { activeLimit } : {}),
		...(limits.length > 0 ? { limits } : {}),
		observedAt: now,
		source: "headers",
	};
}

/** The limit a 429 (or any answer) is about: `x-codex-active-limit`, normalised; undefined when absent. */
export function activeLimitFromHeaders(headers: Record<string, string>): string | undefined {
	return limitId(headers["x-codex-active-limit"]);
}

/** `codex_bengalfox`, `codex-bengalfox`, `Codex_Bengalfox` → `codex_bengalfox` (codex-rs `normalize_limit_id`). */
export function limitId(raw: string | undefined): string | undefined {
	const id = raw?.trim().toLowerCase().replaceAll("-", "_");
	return id ? id : undefined;
}

function windowFromHeaders(headers: Record<string, string>, prefix: string, now: number): UsageWindow | undefined {
	const used = toNumber(headers[`${prefix}-used-percent`]);
	if (used === undefined) return undefined;
	const windowMinutes = toNumber(headers[`${prefix}-window-minutes`]);
	const resetAt = toNumber(headers[`${prefix}-reset-at`]);
	// codex-rs `has_data`: a slot with nothing in it is no window.
	if (used === 0 && !windowMinutes && resetAt === undefined) return undefined;
	const resetAfter = toNumber(headers[`${prefix}-reset-after-seconds`]);
	const resetsAt = resetAt !== undefined ? resetAt * 1000 : resetAfter ? now + resetAfter * 1000 : undefined;
	return { usedPercent: used, windowMinutes: windowMinutes ?? 0, ...(resetsAt !== undefined ? { resetsAt } : {}) };
}

/** Every `x-codex-<id>-primary-used-percent` family other than the main one (codex-rs `parse_rate_limit_updates`). */
function limitFamilies(headers: Record<string, string>, now: number): LimitUsage[] {
	const limits: LimitUsage[] = [];
	for (const key in headers) {
		// Stryker disable next-line Regex: a key with more around it names a prefix with no window headers, skipped below
		const match = /^x-(codex[-_].+)-primary-used-percent$/.exec(key);
		const id = limitId(match?.[1]);
		// Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: `codex[-_].+` never normalises to "" or "codex"; kept for the types and as a guard
		if (!match || !id || id === "codex") continue;
		const prefix = `x-${match[1]}`;
		const primary = windowFromHeaders(headers, `${prefix}-primary`, now);
		const secondary = windowFromHeaders(headers, `${prefix}-secondary`, now);
		const name = nonEmpty(headers[`${prefix}-limit-name`]);
		if (!primary && !secondary) continue;
		limits.push({
			id,
			...(name ? { name } : {}),
			...(primary ? { primary } : {}),
			...(secondary ? { secondary } : {}),
		});
	}
	return limits.sort((a, b) => a.id.localeCompare(b.id));
}

/** `x-codex-credits-has-credits` / `-unlimited` (`True`/`False`/`1`/`0`) and `-balance` (may be empty). */
function creditsFromHeaders(headers: Record<string, string>): CreditsSnapshot | undefined {
	const has = toBool(headers["x-codex-credits-has-credits"]);
	const unlimited = toBool(headers["x-codex-credits-unlimited"]);
	if (has === undefined || unlimited === undefined) return undefined;
	const balance = nonEmpty(headers["x-codex-credits-balance"]);
	return { hasCredits: has, unlimited, ...(balance ? { balance } : {}) };
}

export function toBool(value: unknown): boolean | undefined {
	if (typeof value === "boolean") return value;
	if (typeof value !== "string") return undefined;
	const raw = value.trim().toLowerCase();
	if (raw === "true" || raw === "1") return true;
	if (raw === "false" || raw === "0") return false;
	return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
	const trimmed = value?.trim();
	return trimmed ? trimmed : undefined;
}

/** `retry-after-ms`, then `retry-after` in seconds or as an HTTP date; epoch ms or undefined. */
export function retryAfterFromHeaders(headers: Record<string, string>, now: number): number | undefined {
	const ms = toNumber(headers["retry-after-ms"]);
	if (ms !== undefined) return now + ms;
	const raw = headers["retry-after"];
	// Stryker disable next-line ConditionalExpression: toNumber and Date.parse give nothing for a missing or empty value too
	if (!raw) return undefined;
	const seconds = toNumber(raw);
	if (seconds !== undefined) return now + seconds * 1000;
	const date = Date.parse(raw);
	return Number.isNaN(date) ? undefined : date;
}

export function toNumber(value: string | number | undefined | null): number | undefined {
	// Stryker disable next-line ConditionalExpression: Number(undefined) is NaN, refused below
	if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) return undefined;
	// Stryker disable next-line ConditionalExpression,StringLiteral: Number() of a number is that number
	const n = typeof value === "number" ? value : Number(value);
	return Number.isFinite(n) ? n : undefined;
}
