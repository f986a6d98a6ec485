import { randomUUID } from "node:crypto";
import { currentUsage } from "./accounts.ts";
import { admit } from "./admission.ts";
import type { ErrorReply } from "./errors.ts";
import { preStreamFaultAnswer } from "./faults.ts";
import { sleep, untilAborted } from "./http-util.ts";
import { playResponse } from "./response-stream.ts";
import { authFailureReply } from "./route-context.ts";
import type { FakeState } from "./state.ts";
import { previousResponseNotFound, rateLimitsEvent, wrappedErrorEvent } from "./websocket-events.ts";
import type { ConnectionRecord, WebSocketHub } from "./websocket-hub.ts";
import { WebSocketSink } from "./websocket-sink.ts";

// One response.create on an open connection. Order: token re-check (in-band
// 401), previous_response_id resolution (in-band 400 previous_response_not_found),
// then the same admission as SSE. Errors that SSE answers with an HTTP status
// arrive here as one wrapped `error` event and the socket stays open; pi-ai
// closes it itself. A success starts with codex.rate_limits (the usage the
// x-codex headers would show), then the very events SSE streams.

export interface TurnDeps {
	state: FakeState;
	hub: WebSocketHub;
	record: ConnectionRecord;
	authorization: string | undefined;
	/** Aborts when the connection goes away. */
	signal: AbortSignal;
}

export async function runTurn(deps: TurnDeps, frame: Record<string, unknown>): Promise<void> {
	const { state, hub, record, signal } = deps;
	const { type: _type, ...request } = frame;
	const requestId = `req_${randomUUID().replaceAll("-", "")}`;
	const entry = state.log({
		route: "responses",
		websocket: true,
		accountId: record.accountId,
		sessionId: record.sessionId,
		status: 0,
		at: Date.now(),
		body: request,
	});
	const sink = new WebSocketSink(record.socket);
	let finished = false;
	let killed = false;
	const onClose = () => {
		if (!finished && !killed && !hub.down) state.patch(entry, { clientClosed: true });
	};
	record.socket.once("close", onClose);
	const kill = () => {
		killed = true;
		record.socket.terminate();
	};
	const fail = async (reply: ErrorReply, headers: Record<string, string>) => {
		await sink.sendRaw(wrappedErrorEvent(reply, headers));
		state.patch(entry, { status: reply.status });
	};

	try {
		// Only the latest response can be continued, and a failed turn leaves nothing to continue.
		const baseline = record.baseline;
		record.baseline = undefined;

		const auth = state.tokens.authenticate(deps.authorization, record.accountId);
		if (!auth.ok) return await fail(authFailureReply(auth.reason), { "x-request-id": requestId });
		const account = state.account(record.accountId);

		const previous = request.previous_response_id;
		const newInput = Array.isArray(request.input) ? request.input : [];
		let input = newInput;
		if (typeof previous === "string" && previous !== "") {
			if (baseline?.responseId !== previous) {
				return await fail(previousResponseNotFound(previous), { "x-request-id": requestId });
			}
			input = [...baseline.input, ...baseline.output, ...newInput];
		}
		// What the model sees: the whole conversation, so usage and foreign-reasoning checks match SSE.
		const effective = { ...request, input };

		const admission = admit(state, account, effective, {
			requireStream: false,
			onFault: (fault) => state.patch(entry, { fault: fault.kind }),
		});
		if (admission.kind === "fault") {
			const answer = preStreamFaultAnswer(
				admission.fault,
				account,
				requestId,
				typeof request.model === "string" ? request.model : undefined,
			);
			if (answer.kind === "reply") return await fail(answer.reply, answer.headers);
			if (answer.kind === "reset") return kill();
			return await untilAborted(signal);
		}
		if (admission.kind === "reject") return await fail(admission.reply, admission.headers);

		const { plan } = admission;
		await sleep(plan.firstByteDelayMs ?? 0, signal);
		if (signal.aborted) return;
		await sink.sendRaw(rateLimitsEvent(currentUsage(account), account.plan));
		state.patch(entry, { status: 200 });
		const outcome = await playResponse({
			sink,
			account,
			request: effective,
			fault: admission.fault,
			plan,
			signal,
			requestId,
			cut: kill,
		});
		if (outcome.kind === "completed") {
			const output = Array.isArray(outcome.response.output) ? outcome.response.output : [];
			record.baseline = { responseId: String(outcome.response.id), input, output };
		}
	} finally {
		finished = true;
		record.socket.off("close", onClose);
	}
}
