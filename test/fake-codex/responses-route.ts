import { admit } from "./admission.ts";
import { badRequestDetail } from "./errors.ts";
import { answerPreStreamFault } from "./faults.ts";
import { BodyError, decodeBody, header, parseJson, readRaw, sleep, untilReleased } from "./http-util.ts";
import { playResponse } from "./response-stream.ts";
import { authFailureReply, begin, kill, type RouteContext, replyJson } from "./route-context.ts";
import { SseWriter } from "./sse-writer.ts";

// POST /backend-api/codex/responses. Checks run in this order: body decode,
// auth (401), then admission (armed fault, exhausted window 429, validation
// and foreign reasoning 400), then the SSE stream. Every answer after auth
// carries the x-codex rate-limit headers.

export async function handleResponses(ctx: RouteContext): Promise<void> {
	const { state, req } = ctx;
	const sessionId = header(req, "session-id") ?? header(req, "session_id");
	const entry = begin(ctx, { route: "responses", sessionId });
	const open = state.openResponses;
	open.peak = Math.max(open.peak, ++open.now);
	// Closed when the answer is written out, or when the connection goes away before that.
	let closed = false;
	const close = () => {
		if (!closed) open.now--;
		closed = true;
	};
	ctx.res.once("finish", close).once("close", close);

	let body: unknown;
	try {
		const raw = decodeBody(await readRaw(req), header(req, "content-encoding"));
		body = parseJson(raw.toString("utf8"));
	} catch (error) {
		if (error instanceof BodyError)
			replyJson(ctx, entry, { ...badRequestDetail(error.message), status: error.status });
		return;
	}
	state.patch(entry, { body });

	const auth = state.tokens.authenticate(header(req, "authorization"), header(req, "chatgpt-account-id"));
	state.patch(entry, { accountId: auth.accountId });
	if (!auth.ok) return replyJson(ctx, entry, authFailureReply(auth.reason));
	const account = state.account(auth.accountId);

	const request = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
	const admission = admit(state, account, request, {
		requireStream: true,
		onFault: (fault) => state.patch(entry, { fault: fault.kind }),
	});
	if (admission.kind === "fault") {
		await answerPreStreamFault(admission.fault, {
			account,
			res: ctx.res,
			signal: ctx.signal,
			requestId: ctx.requestId,
			kill: () => kill(ctx),
			...(typeof request.model === "string" ? { model: request.model } : {}),
		});
		state.patch(entry, { status: ctx.res.headersSent ? ctx.res.statusCode : 0 });
		return;
	}
	if (admission.kind === "reject") return replyJson(ctx, entry, admission.reply, admission.headers);

	const { plan } = admission;
	if (state.responseHold) await untilReleased(state.responseHold, ctx.signal);
	await sleep(plan.firstByteDelayMs ?? 0, ctx.signal);
	if (ctx.signal.aborted) return;
	ctx.res.writeHead(200, {
		...admission.headers,
		"content-type": "text/event-stream; charset=utf-8",
		"cache-control": "no-cache",
		"x-request-id": ctx.requestId,
	});
	ctx.res.flushHeaders();
	state.patch(entry, { status: 200 });
	const writer = new SseWriter(ctx.res);
	const outcome = await playResponse({
		sink: writer,
		account,
		request,
		fault: admission.fault,
		plan,
		signal: ctx.signal,
		requestId: ctx.requestId,
		cut: () => kill(ctx),
	});
	if (outcome.kind !== "cut") writer.end();
}
