import type { IncomingMessage, ServerResponse } from "node:http";
import { type ErrorReply, tokenExpired, tokenInvalidated, unauthorizedDetail } from "./errors.ts";
import { sendJson } from "./http-util.ts";
import type { FakeState } from "./state.ts";
import type { AuthFailure } from "./tokens.ts";
import type { RequestLogEntry } from "./types.ts";

// What every route handler receives, plus the replies they share.

export interface RouteContext {
	state: FakeState;
	req: IncomingMessage;
	res: ServerResponse;
	url: URL;
	/** Aborts when the connection goes away (client abort, close(), crash()). */
	signal: AbortSignal;
	requestId: string;
	/** The log entry of this request, once begin() created it. */
	entry?: RequestLogEntry;
	/** Set when the fake itself broke the connection (fault), so it is not blamed on the client. */
	killed: boolean;
}

/** Log the request's arrival and remember the entry for clientClosed bookkeeping. */
export function begin(ctx: RouteContext, fields: Omit<RequestLogEntry, "status" | "at">): RequestLogEntry {
	ctx.entry = ctx.state.log({ ...fields, status: 0, at: Date.now() });
	return ctx.entry;
}

/** Break the connection on purpose (reset/cut faults). */
export function kill(ctx: RouteContext): void {
	ctx.killed = true;
	ctx.res.socket?.destroy();
}

export function authFailureReply(reason: AuthFailure): ErrorReply {
	if (reason === "expired") return tokenExpired();
	if (reason === "invalid") return tokenInvalidated();
	return unauthorizedDetail();
}

/** Send a JSON reply and record its status on the log entry. */
export function replyJson(
	ctx: RouteContext,
	entry: RequestLogEntry,
	reply: ErrorReply,
	headers: Record<string, string> = {},
): void {
	sendJson(ctx.res, reply, { "x-request-id": ctx.requestId, ...headers });
	ctx.state.patch(entry, { status: reply.status });
}
