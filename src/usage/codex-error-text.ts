/**
 * Over the WebSocket transport pi-ai reports an in-band service error only as text
 * (`Codex error: <message>`): no status, no headers. This reads the few messages that decide
 * routing; anything else before content is treated as transient by the caller.
 */
import type { ClassifiedFailure } from "./upstream-failure.ts";

const RETRY_IN = /try again in\s+(\d+(?:\.\d+)?)\s*(ms|s|m)\b/i;

export function classifyCodexErrorText(message: string, now: number): ClassifiedFailure | undefined {
	if (/usage limit/i.test(message)) return { kind: "exhausted", code: "usage_limit_reached" };
	if (/rate limit/i.test(message)) {
		const match = RETRY_IN.exec(message);
		const unit = match?.[2]?.toLowerCase();
		const amount = match ? Number(match[1]) : undefined;
		const ms =
			amount === undefined ? undefined : unit === "ms" ? amount : unit === "m" ? amount * 60_000 : amount * 1000;
		return { kind: "exhausted", code: "rate_limit_exceeded", ...(ms !== undefined ? { resetsAt: now + ms } : {}) };
	}
	if (/encrypted content .* could not be verified/i.test(message)) {
		return { kind: "foreign-reasoning", code: "invalid_encrypted_content" };
	}
	if (/authentication token is expired|token.?invalidated|unauthorized/i.test(message))
		return { kind: "unauthorized" };
	return undefined;
}
