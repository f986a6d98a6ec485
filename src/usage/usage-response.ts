import { limitId, toBool, toNumber } from "./rate-limit-headers.ts";
import type { CreditsSnapshot, LimitUsage, UsageSnapshot, UsageWindow } from "./usage-snapshot.ts";

interface WhamRateLimit {
	allowed?: unknown;
	limit_reached?: unknown;
	primary_window?: unknown;
	secondary_window?: unknown;
}

interface WhamBody {
	plan_type?: unknown;
	/** Null on usage-based business plans. */
	rate_limit?: WhamRateLimit | null;
	credits?: { has_credits?: unknown; unlimited?: unknown; balance?: unknown } | null;
	rate_limit_reached_type?: { type?: unknown } | null;
	additional_rate_limits?: unknown;
	spend_control?: { reached?: unknown } | null;
}

/**
 * Parses `GET {base}/wham/usage` (codex-rs `RateLimitStatusPayload` plus the live additions): plan,
 * the two windows (empty ones dropped), credits, the per-model `additional_rate_limits`, and the
 * service's own verdict (`allowed: false`, `limit_reached`, `rate_limit_reached_type`, `spend_control.reached`).
 */
export function usageFromWhamResponse(json: unknown, now: number): UsageSnapshot | undefined {
	// Stryker disable next-line ConditionalExpression: a string or number read as an object gives undefined fields, dropped the same way
	if (!json || typeof json !== "object") return undefined;
	const body = json as WhamBody;
	const rateLimit = body.rate_limit ?? undefined;
	const primary = windowFromJson(rateLimit?.primary_window, now);
	const secondary = windowFromJson(rateLimit?.secondary_window, now);
	const credits = creditsFromJson(body.credits);
	const limits = additionalLimits(body.additional_rate_limits, now);
	const refused = refusalOf(body, credits);
	if (!primary && !secondary && !credits && !refused && limits.length === 0 && typeof body.plan_type !== "string") {
		return undefined;
	}
	return {
		...(primary ? { primary } : {}),
		...(secondary ? { secondary } : {}),
		...(typeof body.plan_type === "string" ? { planType: body.plan_type } : {}),
		...(credits ? { credits } : {}),
		...(refused ? { refused } : {}),
		...(limits.length > 0 ? { limits } : {}),
		observedAt: now,
		source: "poll",
	};
}

/**
 * The service refuses this account: `allowed: false`, or a `limit_reached` / `rate_limit_reached_type`
 * no credits pay for, or a spend control reached. `limit_reached` with credits is a full window the
 * credits serve (openai/codex#19242).
 */
function refusalOf(body: WhamBody, credits: CreditsSnapshot | undefined): string | undefined {
	const onCredits = credits?.hasCredits === true || credits?.unlimited === true;
	const reachedType = typeof body.rate_limit_reached_type?.type === "string" ? body.rate_limit_reached_type.type : "";
	if (toBool(body.rate_limit?.allowed) === false) return reachedType || "not allowed";
	if (toBool(body.spend_control?.reached) === true) return "spend control reached";
	if (onCredits) return undefined;
	if (toBool(body.rate_limit?.limit_reached) === true) return reachedType || "limit reached";
	return undefined;
}

function creditsFromJson(raw: WhamBody["credits"]): CreditsSnapshot | undefined {
	// Stryker disable next-line ConditionalExpression: a string or number read as an object gives undefined fields, dropped the same way
	if (!raw || typeof raw !== "object") return undefined;
	const hasCredits = toBool(raw.has_credits);
	const unlimited = toBool(raw.unlimited);
	if (hasCredits === undefined && unlimited === undefined) return undefined;
	const balance = typeof raw.balance === "number" ? String(raw.balance) : raw.balance;
	return {
		hasCredits: hasCredits ?? false,
		unlimited: unlimited ?? false,
		...(typeof balance === "string" && balance.trim() !== "" ? { balance: balance.trim() } : {}),
	};
}

/** `additional_rate_limits: [{limit_name, metered_feature, rate_limit: {primary_window, …}}]`. */
function additionalLimits(raw: unknown, now: number): LimitUsage[] {
	if (!Array.isArray(raw)) return [];
	const limits: LimitUsage[] = [];
	for (const entry of raw as Array<Record<string, unknown> | null>) {
		// Stryker disable next-line ConditionalExpression: a string or number read as an object gives undefined fields, dropped the same way
		if (!entry || typeof entry !== "object") continue;
		const name = typeof entry.limit_name === "string" ? entry.limit_name : undefined;
		const id = limitId(typeof entry.metered_feature === "string" ? entry.metered_feature : name);
		const rateLimit = entry.rate_limit as WhamRateLimit | null | undefined;
		const primary = windowFromJson(rateLimit?.primary_window, now);
		const secondary = windowFromJson(rateLimit?.secondary_window, now);
		if (!id || (!primary && !secondary)) continue;
		limits.push({
			id,
			...(name ? { name } : {}),
			...(primary ? { primary } : {}),
			...(secondary ? { secondary } : {}),
		});
	}
	return limits;
}

function windowFromJson(raw: unknown, now: number): UsageWindow | undefined {
	// Stryker disable next-line ConditionalExpression: a string or number read as an object gives undefined fields, dropped the same way
	if (!raw || typeof raw !== "object") return undefined;
	const w = raw as Record<string, string | number | undefined>;
	const used = toNumber(w.used_percent);
	if (used === undefined) return undefined;
	const windowSeconds = toNumber(w.limit_window_seconds) ?? 0;
	const resetAt = toNumber(w.reset_at);
	if (used === 0 && windowSeconds === 0 && !resetAt) return undefined;
	const resetAfter = toNumber(w.reset_after_seconds);
	const resetsAt = resetAt ? resetAt * 1000 : resetAfter ? now + resetAfter * 1000 : undefined;
	return { usedPercent: used, windowMinutes: Math.round(windowSeconds / 60), ...(resetsAt ? { resetsAt } : {}) };
}
