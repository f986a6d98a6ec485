import type { ServerResponse } from "node:http";
import { type Account, currentUsage } from "./accounts.ts";
import {
	deactivatedWorkspace,
	type ErrorReply,
	forbidden,
	modelNotSupported,
	rateLimitExceeded,
	serverError,
	tokenExpired,
	usageLimitReached,
	usageNotIncluded,
} from "./errors.ts";
import { sendJson, untilAborted } from "./http-util.ts";
import { rateLimitHeaders } from "./rate-limit-headers.ts";
import type { Fault } from "./types.ts";

// Faults that replace the whole answer, before any event. The in-stream ones
// (cut-mid-stream, response-failed, error-event) live in response-stream.ts.
// The answer is worked out once here; each transport delivers it its own way
// (an HTTP reply on SSE, an in-band `error` event on WebSocket).

export type PreStreamFault = Exclude<Fault, { kind: "cut-mid-stream" | "response-failed" | "error-event" }>;

export function isPreStreamFault(fault: Fault): fault is PreStreamFault {
	return fault.kind !== "cut-mid-stream" && fault.kind !== "response-failed" && fault.kind !== "error-event";
}

export type FaultAnswer =
	| { kind: "reply"; reply: ErrorReply; headers: Record<string, string> }
	| { kind: "reset" }
	| { kind: "hang" };

export function preStreamFaultAnswer(
	fault: PreStreamFault,
	account: Account,
	requestId: string,
	model = "unknown",
): FaultAnswer {
	const now = Date.now();
	const usage = currentUsage(account, now);
	const headers = { ...rateLimitHeaders(account, usage, now), "x-request-id": requestId };
	switch (fault.kind) {
		case "usage-limit": {
			// Shows the 5h window as spent, resetting when the fault says (or when it really would).
			const resetsAt =
				fault.resetsInSeconds === undefined ? usage.primary.resetsAt : now + fault.resetsInSeconds * 1000;
			const shown = { ...usage, primary: { ...usage.primary, usedPercent: 100, resetsAt } };
			return {
				kind: "reply",
				reply: usageLimitReached(account.plan, Math.ceil(resetsAt / 1000), now),
				headers: { ...rateLimitHeaders(account, shown, now), "x-request-id": requestId },
			};
		}
		case "rate-limit":
			return { kind: "reply", reply: rateLimitExceeded(fault.retryAfterSeconds, !fault.withoutRetryAfter), headers };
		case "deactivated-workspace":
			// Refused before the usage lookup: no x-codex headers.
			return { kind: "reply", reply: deactivatedWorkspace(), headers: { "x-request-id": requestId } };
		case "forbidden":
			return { kind: "reply", reply: forbidden(fault.body), headers: {} };
		case "usage-not-included":
			return { kind: "reply", reply: usageNotIncluded(account.plan), headers };
		case "model-not-supported":
			return { kind: "reply", reply: modelNotSupported(model), headers: { "x-request-id": requestId } };
		case "unauthorized":
			// Auth failures happen before the usage lookup, so no x-codex headers.
			return { kind: "reply", reply: tokenExpired(), headers: { "x-request-id": requestId } };
		case "server-error":
			return { kind: "reply", reply: serverError(fault.status, requestId), headers };
		case "reset-before-headers":
			return { kind: "reset" };
		case "hang":
			return { kind: "hang" };
	}
}

export interface FaultContext {
	account: Account;
	res: ServerResponse;
	signal: AbortSignal;
	requestId: string;
	/** Destroys the socket on purpose. */
	kill: () => void;
	/** The request's model (named by a model refusal). */
	model?: string;
}

/** SSE: answers the request as the fault dictates; resolves once it is done with it. */
export async function answerPreStreamFault(fault: PreStreamFault, ctx: FaultContext): Promise<void> {
	const answer = preStreamFaultAnswer(fault, ctx.account, ctx.requestId, ctx.model);
	if (answer.kind === "reply") sendJson(ctx.res, answer.reply, answer.headers);
	else if (answer.kind === "reset") ctx.kill();
	else await untilAborted(ctx.signal);
}
