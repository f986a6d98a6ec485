import type { ErrorReply } from "./errors.ts";
import type { UsageSnapshot, WindowState } from "./types.ts";

// Server events that exist only on the WebSocket transport. Shapes from
// openai/codex codex-rs/codex-api/src/endpoint/responses_websocket.rs (the
// "wrapped" error event: type "error" + HTTP status + the HTTP error object +
// the headers the HTTP answer would have carried), its tests and
// core/tests/suite/client_websockets.rs (codex.rate_limits, usage_limit_reached
// over WebSocket), codex-api/src/rate_limits.rs (parse_rate_limit_event), and
// the OpenAI Responses WebSocket-mode docs (previous_response_not_found).

/** An HTTP error answer as the WebSocket transport reports it in band. */
export function wrappedErrorEvent(reply: ErrorReply, headers: Record<string, string>): Record<string, unknown> {
	return {
		type: "error",
		status: reply.status,
		error: errorObject(reply),
		headers: { ...headers, ...reply.headers },
	};
}

// Bodies like {"detail": "..."} have no error object; give the message one so
// clients that read error.message (pi-ai, codex-rs) still find it.
function errorObject(reply: ErrorReply): Record<string, unknown> {
	const body = (reply.body ?? {}) as { error?: unknown; detail?: unknown };
	if (body.error && typeof body.error === "object") return body.error as Record<string, unknown>;
	return {
		type: reply.status >= 500 ? "server_error" : "invalid_request_error",
		code: null,
		message: typeof body.detail === "string" ? body.detail : "Request failed",
		param: null,
	};
}

/** The connection-scoped continuation is gone (or never existed on this socket). */
export function previousResponseNotFound(id: string): ErrorReply {
	return {
		status: 400,
		body: {
			error: {
				type: "invalid_request_error",
				code: "previous_response_not_found",
				message: `Previous response with id '${id}' not found.`,
				param: "previous_response_id",
			},
		},
	};
}

export function invalidFrame(message: string): ErrorReply {
	return { status: 400, body: { error: { type: "invalid_request_error", code: null, message, param: null } } };
}

function eventWindow(window: WindowState, nowMs: number): Record<string, unknown> {
	return {
		used_percent: Math.round(window.usedPercent * 100) / 100,
		window_minutes: window.windowMinutes,
		reset_after_seconds: Math.max(0, Math.ceil((window.resetsAt - nowMs) / 1000)),
		reset_at: Math.ceil(window.resetsAt / 1000),
	};
}

/**
 * Sent first for every admitted response.create, where the HTTP transport sends
 * the x-codex-* headers (same numbers: usage before the request).
 */
export function rateLimitsEvent(usage: UsageSnapshot, plan: string, nowMs = Date.now()): Record<string, unknown> {
	const limitReached = usage.primary.usedPercent >= 100 || usage.secondary.usedPercent >= 100;
	return {
		type: "codex.rate_limits",
		plan_type: plan,
		rate_limits: {
			allowed: !limitReached,
			limit_reached: limitReached,
			primary: eventWindow(usage.primary, nowMs),
			secondary: eventWindow(usage.secondary, nowMs),
		},
		code_review_rate_limits: null,
		credits: { has_credits: false, unlimited: false, balance: "0" },
		promo: null,
	};
}
