import { retryAfterFromHeaders, toNumber, usageFromHeaders } from "./rate-limit-headers.ts";
import { exhaustedUntil } from "./usage-snapshot.ts";

/** What one failed Codex answer means for routing. */
export type FailureKind =
	/** Quota or rate limit: the account cools down, the request moves on. */
	| "exhausted"
	/** The account cannot serve Codex at all (workspace deactivated, plan without Codex): long cooldown, move on. */
	| "account-refused"
	/** 403 without an explanation (often Cloudflare or the IP, alike for every account): move on, mark later. */
	| "forbidden"
	/** This plan does not offer the model: move on, remember (account, model). */
	| "model-refused"
	/** The access token was refused: refresh, then try the same account once more. */
	| "unauthorized"
	/** Encrypted reasoning minted by another account was refused: resend without it. */
	| "foreign-reasoning"
	/** 5xx, overload and other transient answers: try another account, no cooldown. */
	| "transient"
	/** The request itself is refused (too long, flagged, malformed): never sent to another account. */
	| "fatal";

export interface ClassifiedFailure {
	kind: FailureKind;
	/** For "exhausted": epoch ms when the account is usable again, when anything says. */
	resetsAt?: number;
	/** Service error code (`usage_limit_reached`, …), for messages. */
	code?: string;
	/** For account-level refusals: the words /dispatch-status shows ("workspace deactivated", …). */
	reason?: string;
}

/** How long an account-level refusal keeps an account out; the usage poll may lift it sooner. */
export const ACCOUNT_REFUSAL_COOLDOWN_MS = 6 * 60 * 60_000;
/** A rate limit that says neither `retry-after` nor "try again in …": a short pause, not the 15-minute guess. */
export const RATE_LIMIT_DEFAULT_MS = 30_000;

export const WORKSPACE_DEACTIVATED = "workspace deactivated";
export const PLAN_HAS_NO_CODEX = "plan has no Codex";
export const MODEL_NOT_ON_PLAN = "model not on this plan";

/** codex-rs `sse/responses.rs` `try_parse_retry_after` (plus minutes, which pi-ai's texts use). */
const TRY_AGAIN_IN = /try again in\s*(\d+(?:\.\d+)?)\s*(ms|s|seconds?|m|minutes?)\b/i;
/** 400 `{"detail":"The '<model>' model is not supported when using Codex with a ChatGPT account."}` */
const MODEL_NOT_SUPPORTED = /model is not supported when using Codex with a ChatGPT account/i;
/** `invalid_encrypted_content`, also sent with `"code": null` (openai/codex#3942) and for function output. */
const ENCRYPTED_NOT_VERIFIED = /encrypted (?:function output )?content\b.*could not be (?:verified|decrypted)/i;

/** `response.failed` / `error` codes about the request itself: replaying them elsewhere cannot help. */
const REQUEST_CODES = new Set(["context_length_exceeded", "invalid_prompt", "cyber_policy"]);
/** Codes about the account's quota. */
const QUOTA_CODES = new Set(["insufficient_quota", "usage_limit_reached"]);

interface ErrorBody {
	error?: {
		code?: string | null;
		type?: string | null;
		message?: string | null;
		resets_at?: number | string;
		resets_in_seconds?: number | string;
	};
	detail?: string | { code?: string };
}

/** Classifies a non-2xx response from its status, body and headers. */
export function classifyFailure(
	status: number,
	headers: Record<string, string>,
	errorBody: string | undefined,
	now: number,
): ClassifiedFailure {
	const body = parseErrorBody(errorBody);
	const error = body?.error;
	const detail = body?.detail;
	// Stryker disable next-line ConditionalExpression: a string detail has no .code either
	const code = error?.code ?? error?.type ?? (typeof detail === "object" ? detail?.code : undefined) ?? undefined;
	// Stryker disable next-line ConditionalExpression,StringLiteral: an object or "Stryker was here!" matches none of the message patterns, as "" does not
	const message = error?.message ?? (typeof detail === "string" ? detail : undefined) ?? "";
	const withCode = code ? { code } : {};
	if (code === "usage_not_included") return accountRefused(code, PLAN_HAS_NO_CODEX, now);
	if (status === 402 || code === "deactivated_workspace") return accountRefused(code, WORKSPACE_DEACTIVATED, now);
	if (code === "rate_limit_exceeded") {
		const resetsAt = retryAfterFromHeaders(headers, now) ?? tryAgainIn(message, now) ?? now + RATE_LIMIT_DEFAULT_MS;
		return { kind: "exhausted", resetsAt, code };
	}
	// Stryker disable next-line ConditionalExpression: QUOTA_CODES.has(undefined) is false anyway
	if (status === 429 || (code !== undefined && QUOTA_CODES.has(code))) {
		return { kind: "exhausted", resetsAt: resetFromFailure(headers, error, now), ...withCode };
	}
	if (status === 401) return { kind: "unauthorized", ...withCode };
	if (code === "invalid_encrypted_content" || ENCRYPTED_NOT_VERIFIED.test(message)) {
		return { kind: "foreign-reasoning", code: "invalid_encrypted_content" };
	}
	if (status === 400 && MODEL_NOT_SUPPORTED.test(message)) {
		return { kind: "model-refused", code: "model_not_supported", reason: MODEL_NOT_ON_PLAN };
	}
	if (status === 403 && !code) return { kind: "forbidden", code: "forbidden" };
	if (status >= 500 || status === 408) return { kind: "transient", ...withCode };
	return { kind: "fatal", ...withCode };
}

/**
 * Classifies a `response.failed` (or `error`) event of a 200 stream by its code, as codex-rs
 * `sse/responses.rs` does; the message only where the code says too little.
 */
export function classifyStreamFailure(
	code: string | undefined,
	message: string | undefined,
	now: number,
): ClassifiedFailure {
	// Stryker disable next-line StringLiteral: "Stryker was here!" matches none of the message patterns, as "" does not
	const text = message ?? "";
	if (code && REQUEST_CODES.has(code)) return { kind: "fatal", code };
	if (code === "usage_not_included") return accountRefused(code, PLAN_HAS_NO_CODEX, now);
	if (code === "rate_limit_exceeded") {
		return { kind: "exhausted", code, resetsAt: tryAgainIn(text, now) ?? now + RATE_LIMIT_DEFAULT_MS };
	}
	if (code && QUOTA_CODES.has(code)) return { kind: "exhausted", code };
	if (code === "invalid_encrypted_content" || ENCRYPTED_NOT_VERIFIED.test(text)) {
		return { kind: "foreign-reasoning", code: "invalid_encrypted_content" };
	}
	if (MODEL_NOT_SUPPORTED.test(text)) {
		return { kind: "model-refused", code: "model_not_supported", reason: MODEL_NOT_ON_PLAN };
	}
	// Anything else says "later" (server_is_overloaded, slow_down, server_error, …): another account may serve.
	return { kind: "transient", ...(code ? { code } : {}) };
}

/** The delay in "… try again in 1.5s" / "20ms" / "3 seconds", as an epoch ms. */
export function tryAgainIn(message: string, now: number): number | undefined {
	const match = TRY_AGAIN_IN.exec(message);
	if (!match) return undefined;
	const amount = Number(match[1]);
	const unit = match[2]!.toLowerCase();
	const ms = unit === "ms" ? amount : unit.startsWith("m") ? amount * 60_000 : amount * 1000;
	return now + ms;
}

function accountRefused(code: string | undefined, reason: string, now: number): ClassifiedFailure {
	return {
		kind: "account-refused",
		resetsAt: now + ACCOUNT_REFUSAL_COOLDOWN_MS,
		code: code ?? "deactivated_workspace",
		reason,
	};
}

/** The 429 body's `resets_at`/`resets_in_seconds`, then `retry-after`, then the headers' full window. */
function resetFromFailure(
	headers: Record<string, string>,
	error: ErrorBody["error"] | undefined,
	now: number,
): number | undefined {
	const resetsAt = toNumber(error?.resets_at);
	if (resetsAt !== undefined) return resetsAt * 1000;
	const resetsIn = toNumber(error?.resets_in_seconds);
	if (resetsIn !== undefined) return now + resetsIn * 1000;
	return retryAfterFromHeaders(headers, now) ?? exhaustedUntil(usageFromHeaders(headers, now));
}

function parseErrorBody(text: string | undefined): ErrorBody | undefined {
	// Stryker disable next-line ConditionalExpression: JSON.parse("") throws, caught below
	if (!text) return undefined;
	try {
		const parsed = JSON.parse(text) as unknown;
		// Stryker disable next-line ConditionalExpression,LogicalOperator: null, a string or a number read with ?. give undefined fields too
		return parsed && typeof parsed === "object" ? (parsed as ErrorBody) : undefined;
	} catch {
		// Not JSON (an HTML error page): no body to read.
	}
	return undefined;
}
