import {
	type Account,
	blockingWindow,
	chargeCompletedResponse,
	currentUsage,
	limitFor,
	takeFault,
} from "./accounts.ts";
import { badRequestDetail, type ErrorReply, invalidEncryptedContent, usageLimitReached } from "./errors.ts";
import { isPreStreamFault, type PreStreamFault } from "./faults.ts";
import { rateLimitHeaders } from "./rate-limit-headers.ts";
import { findForeignReasoning } from "./reasoning.ts";
import type { FakeState } from "./state.ts";
import type { Fault, ResponsePlan } from "./types.ts";

// What happens to an authenticated responses request before its first event,
// shared by the SSE and WebSocket transports. Checks run in this order: armed
// fault, exhausted window (429), request validation and foreign reasoning
// (400); then chargeAtAdmission accounts charge. Every verdict after the fault
// carries the x-codex rate-limit headers of the moment.

export type Admission =
	| { kind: "fault"; fault: PreStreamFault }
	| { kind: "reject"; reply: ErrorReply; headers: Record<string, string> }
	| {
			kind: "accept";
			/** An in-stream fault (cut-mid-stream, response-failed, error-event), if one is armed. */
			fault?: Fault;
			plan: ResponsePlan;
			headers: Record<string, string>;
	  };

export interface AdmitOptions {
	/** The HTTP endpoint insists on `stream: true`; over WebSocket streaming is implicit. */
	requireStream: boolean;
	/** Called as soon as a fault is taken, so the log shows it whatever follows. */
	onFault?: (fault: Fault) => void;
}

export function admit(
	state: FakeState,
	account: Account,
	request: Record<string, unknown>,
	opts: AdmitOptions,
): Admission {
	const fault = takeFault(account);
	if (fault) opts.onFault?.(fault);
	if (fault && isPreStreamFault(fault)) return { kind: "fault", fault };

	const now = Date.now();
	const usage = currentUsage(account, now);
	const limit = limitFor(account, request.model);
	const headers = rateLimitHeaders(account, usage, now, limit);
	const blocking = blockingWindow(account, usage, request.model);
	if (blocking) {
		return {
			kind: "reject",
			reply: usageLimitReached(account.plan, Math.ceil(blocking.window.resetsAt / 1000), now),
			headers,
		};
	}
	const invalid = validate(request, opts.requireStream);
	if (invalid) return { kind: "reject", reply: badRequestDetail(invalid), headers };
	const foreign = state.rejectForeignReasoning ? findForeignReasoning(request, account.accountId) : undefined;
	if (foreign) return { kind: "reject", reply: invalidEncryptedContent(foreign.encrypted), headers };

	if (account.chargeAtAdmission) {
		chargeCompletedResponse(account, request.model);
		Object.assign(headers, rateLimitHeaders(account, currentUsage(account, now), now, limit));
	}
	return { kind: "accept", fault, plan: state.planFor(account.accountId), headers };
}

// The Codex backend insists on stateless requests (and on streaming over HTTP).
function validate(request: Record<string, unknown>, requireStream: boolean): string | undefined {
	if (requireStream && request.stream !== true) return "Stream must be set to true";
	if (request.store === true) return "Store must be set to false";
	return undefined;
}
