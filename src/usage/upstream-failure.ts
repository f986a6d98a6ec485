import { retryAfterFromHeaders, toNumber, usageFromHeaders } from "./rate-limit-headers.ts";
import { exhaustedUntil } from "./usage-snapshot.ts";

/** What one non-2xx Codex answer means for routing. */
export type FailureKind =
	/** Quota or rate limit: the account cools down, the request moves on. */
	| "exhausted"
	/** The access token was refused: refresh, then try the same account once more. */
	| "unauthorized"
	/** Encrypted reasoning minted by another account was refused: resend without it. */
	| "foreign-reasoning"
	/** 5xx and other transient answers: try another account, no cooldown. */
	| "transient"
	/** The request itself is bad (400 etc.): no other account would do better. */
	| "fatal";

export interface ClassifiedFailure {
	kind: FailureKind;
	/** For "exhausted": epoch ms when the account is usable again, when anything says. */
	resetsAt?: number;
	/** Service error code (`usage_limit_reached`, …), for messages. */
	code?: string;
}

interface ErrorBody {
	error?: { code?: string; type?: string; resets_at?: number | string; resets_in_seconds?: number | string };
}

/** Classifies a non-2xx response from its status, body and headers (no message-text matching). */
export function classifyFailure(
	status: number,
	headers: Record<string, string>,
	errorBody: string | undefined,
	now: number,
): ClassifiedFailure {
	const error = parseErrorBody(errorBody)?.error;
	const code = error?.code ?? error?.type;
	if (status === 429 || code === "usage_limit_reached" || code === "rate_limit_exceeded") {
		return { kind: "exhausted", resetsAt: resetFromFailure(headers, error, now), ...(code ? { code } : {}) };
	}
	if (status === 401) return { kind: "unauthorized", ...(code ? { code } : {}) };
	if (code === "invalid_encrypted_content") return { kind: "foreign-reasoning", code };
	if (status >= 500 || status === 408) return { kind: "transient", ...(code ? { code } : {}) };
	return { kind: "fatal", ...(code ? { code } : {}) };
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
	if (!text) return undefined;
	try {
		const parsed = JSON.parse(text) as unknown;
		return parsed && typeof parsed === "object" ? (parsed as ErrorBody) : undefined;
	} catch {
		return undefined;
	}
}
