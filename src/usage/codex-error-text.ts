/**
 * Over the WebSocket transport pi-ai reports an in-band service error only as text
 * (`Codex error: <message>`): no status, no headers. This reads the few messages that decide
 * routing; anything else before content is treated as transient by the caller.
 */
import {
	type ClassifiedFailure,
	classifyStreamFailure,
	RATE_LIMIT_DEFAULT_MS,
	tryAgainIn,
} from "./upstream-failure.ts";

export function classifyCodexErrorText(message: string, now: number): ClassifiedFailure | undefined {
	if (/usage limit/i.test(message)) return { kind: "exhausted", code: "usage_limit_reached" };
	if (/rate limit/i.test(message)) {
		const resetsAt = tryAgainIn(message, now) ?? now + RATE_LIMIT_DEFAULT_MS;
		return { kind: "exhausted", code: "rate_limit_exceeded", resetsAt };
	}
	if (/exceeds the context window/i.test(message)) return { kind: "fatal", code: "context_length_exceeded" };
	const byMessage = classifyStreamFailure(undefined, message, now);
	if (byMessage.kind !== "transient") return byMessage;
	if (/authentication token is expired|token.?invalidated|unauthorized/i.test(message))
		return { kind: "unauthorized" };
	return undefined;
}
