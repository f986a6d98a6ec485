import { type Account, chargeCompletedResponse, rememberPrompt } from "./accounts.ts";
import { serverError } from "./errors.ts";
import { sleep } from "./http-util.ts";
import {
	baseResponse,
	buildResponseEvents,
	estimateInputTokens,
	newResponseId,
	preambleEvents,
} from "./response-events.ts";
import type { Fault, ResponsePlan } from "./types.ts";

// Plays one admitted response onto a transport (SSE frames or WebSocket text
// frames): pacing, usage accounting, and the in-stream faults. The transport
// only has to say whether it is still open and how to send one event.

export interface EventSink {
	readonly open: boolean;
	/** Resolves once the event is handed to the socket, so a later destroy cannot drop it. */
	send(type: string, data: Record<string, unknown>): Promise<void>;
}

export interface PlayInput {
	sink: EventSink;
	account: Account;
	/** The request as the model sees it (for WebSocket continuations: with the earlier turns' input). */
	request: Record<string, unknown>;
	fault?: Fault;
	plan: ResponsePlan;
	signal: AbortSignal;
	requestId: string;
	/** Break the connection on purpose (cut-mid-stream). */
	cut: () => void;
}

export type PlayOutcome =
	| { kind: "completed"; response: Record<string, unknown> }
	| { kind: "failed" }
	| { kind: "cut" }
	| { kind: "closed" };

export async function playResponse(input: PlayInput): Promise<PlayOutcome> {
	const { sink, account, request, fault, plan, signal } = input;
	if (fault?.kind === "response-failed" || fault?.kind === "error-event") {
		await playFailure(sink, request, fault, input.requestId);
		return { kind: "failed" };
	}
	const inputTokens = estimateInputTokens(request);
	const cacheKey = typeof request.prompt_cache_key === "string" ? request.prompt_cache_key : undefined;
	const cachedTokens = rememberPrompt(account, cacheKey, inputTokens);
	const events = buildResponseEvents({ accountId: account.accountId, plan, request, inputTokens, cachedTokens });
	const cut = fault?.kind === "cut-mid-stream" ? fault.afterDeltas : undefined;
	let deltas = 0;
	for (const event of events) {
		if (!sink.open) return { kind: "closed" };
		if (event.delta) {
			if (cut !== undefined && deltas >= cut) return breakOff(input);
			if (deltas > 0) await sleep(plan.interTokenDelayMs ?? 0, signal);
			deltas++;
		}
		if (event.type === "response.completed") {
			if (cut !== undefined) return breakOff(input);
			// Charged before the client can see completion, so its next request sees the new usage.
			if (!account.chargeAtAdmission) chargeCompletedResponse(account, request.model);
		}
		await sink.send(event.type, event.data);
	}
	const completed = events.at(-1)?.data.response as Record<string, unknown>;
	return { kind: "completed", response: completed };
}

function breakOff(input: PlayInput): PlayOutcome {
	input.cut();
	return { kind: "cut" };
}

async function playFailure(
	sink: EventSink,
	request: Record<string, unknown>,
	fault: Extract<Fault, { kind: "response-failed" | "error-event" }>,
	requestId: string,
): Promise<void> {
	const response = baseResponse(newResponseId(), request);
	for (const event of preambleEvents(response)) await sink.send(event.type, event.data);
	const fallback = serverError(500, requestId).body as { error: { code: string; message: string } };
	const code = fault.code === undefined ? fallback.error.code : fault.code;
	const message = fault.message ?? fallback.error.message;
	if (fault.kind === "response-failed") {
		await sink.send("response.failed", { response: { ...response, status: "failed", error: { code, message } } });
	} else {
		await sink.send("error", { code, message, param: null });
	}
}
