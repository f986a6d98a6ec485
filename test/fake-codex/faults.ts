import type { ServerResponse } from "node:http";
import { type Account, currentUsage } from "./accounts.ts";
import { rateLimitExceeded, serverError, tokenExpired, usageLimitReached } from "./errors.ts";
import { sendJson, untilAborted } from "./http-util.ts";
import { rateLimitHeaders } from "./rate-limit-headers.ts";
import type { Fault } from "./types.ts";

// Faults that replace the whole answer, before any SSE byte. The in-stream
// ones (cut-mid-stream, response-failed, error-event) live in responses-route.

export type PreStreamFault = Exclude<Fault, { kind: "cut-mid-stream" | "response-failed" | "error-event" }>;

export function isPreStreamFault(fault: Fault): fault is PreStreamFault {
	return fault.kind !== "cut-mid-stream" && fault.kind !== "response-failed" && fault.kind !== "error-event";
}

export interface FaultContext {
	account: Account;
	res: ServerResponse;
	signal: AbortSignal;
	requestId: string;
	/** Destroys the socket on purpose. */
	kill: () => void;
}

/** Answers the request as the fault dictates; resolves once it is done with it. */
export async function answerPreStreamFault(fault: PreStreamFault, ctx: FaultContext): Promise<void> {
	const { account, res } = ctx;
	const now = Date.now();
	const usage = currentUsage(account, now);
	const headers = { ...rateLimitHeaders(usage, account.plan, now), "x-request-id": ctx.requestId };
	switch (fault.kind) {
		case "usage-limit": {
			// Shows the 5h window as spent, resetting when the fault says (or when it really would).
			const resetsAt =
				fault.resetsInSeconds === undefined ? usage.primary.resetsAt : now + fault.resetsInSeconds * 1000;
			const shown = { ...usage, primary: { ...usage.primary, usedPercent: 100, resetsAt } };
			sendJson(res, usageLimitReached(account.plan, Math.ceil(resetsAt / 1000), now), {
				...rateLimitHeaders(shown, account.plan, now),
				"x-request-id": ctx.requestId,
			});
			return;
		}
		case "rate-limit":
			sendJson(res, rateLimitExceeded(fault.retryAfterSeconds), headers);
			return;
		case "unauthorized":
			// Auth failures happen before the usage lookup, so no x-codex headers.
			sendJson(res, tokenExpired(), { "x-request-id": ctx.requestId });
			return;
		case "server-error":
			sendJson(res, serverError(fault.status, ctx.requestId), headers);
			return;
		case "reset-before-headers":
			ctx.kill();
			return;
		case "hang":
			await untilAborted(ctx.signal);
			return;
	}
}
