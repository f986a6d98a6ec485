import {
	type Account,
	blockingWindow,
	chargeCompletedResponse,
	currentUsage,
	rememberPrompt,
	takeFault,
} from "./accounts.ts";
import { badRequestDetail, invalidEncryptedContent, serverError, usageLimitReached } from "./errors.ts";
import { answerPreStreamFault, isPreStreamFault } from "./faults.ts";
import { BodyError, decodeBody, header, parseJson, readRaw, sleep } from "./http-util.ts";
import { rateLimitHeaders } from "./rate-limit-headers.ts";
import { findForeignReasoning } from "./reasoning.ts";
import {
	baseResponse,
	buildResponseEvents,
	estimateInputTokens,
	newResponseId,
	preambleEvents,
} from "./response-events.ts";
import { authFailureReply, begin, kill, type RouteContext, replyJson } from "./route-context.ts";
import { SseWriter } from "./sse-writer.ts";
import type { Fault, RequestLogEntry, ResponsePlan } from "./types.ts";

// POST /backend-api/codex/responses. Checks run in this order: body decode,
// auth (401), armed fault, exhausted window (429), request validation and
// foreign reasoning (400), then the SSE stream. Every answer after auth
// carries the x-codex rate-limit headers.

export async function handleResponses(ctx: RouteContext): Promise<void> {
	const { state, req } = ctx;
	const sessionId = header(req, "session-id") ?? header(req, "session_id");
	const entry = begin(ctx, { route: "responses", sessionId });

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

	const fault = takeFault(account);
	if (fault) state.patch(entry, { fault: fault.kind });
	if (fault && isPreStreamFault(fault)) {
		await answerPreStreamFault(fault, {
			account,
			res: ctx.res,
			signal: ctx.signal,
			requestId: ctx.requestId,
			kill: () => kill(ctx),
		});
		state.patch(entry, { status: ctx.res.headersSent ? ctx.res.statusCode : 0 });
		return;
	}

	const now = Date.now();
	const usage = currentUsage(account, now);
	const limitHeaders = rateLimitHeaders(usage, account.plan, now);
	const blocking = blockingWindow(usage);
	if (blocking) {
		return replyJson(
			ctx,
			entry,
			usageLimitReached(account.plan, Math.ceil(blocking.resetsAt / 1000), now),
			limitHeaders,
		);
	}

	const request = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
	const invalid = validate(request);
	if (invalid) return replyJson(ctx, entry, badRequestDetail(invalid), limitHeaders);
	const foreign = state.rejectForeignReasoning ? findForeignReasoning(request, account.accountId) : undefined;
	if (foreign) return replyJson(ctx, entry, invalidEncryptedContent(foreign.encrypted), limitHeaders);

	if (account.chargeAtAdmission) {
		chargeCompletedResponse(account);
		Object.assign(limitHeaders, rateLimitHeaders(currentUsage(account, now), account.plan, now));
	}
	const plan = state.planFor(account.accountId);
	await sleep(plan.firstByteDelayMs ?? 0, ctx.signal);
	if (ctx.signal.aborted) return;
	ctx.res.writeHead(200, {
		...limitHeaders,
		"content-type": "text/event-stream; charset=utf-8",
		"cache-control": "no-cache",
		"x-request-id": ctx.requestId,
	});
	ctx.res.flushHeaders();
	state.patch(entry, { status: 200 });
	await stream(ctx, entry, account, request, fault, plan);
}

// The Codex backend insists on streaming and stateless requests.
function validate(request: Record<string, unknown>): string | undefined {
	if (request.stream !== true) return "Stream must be set to true";
	if (request.store === true) return "Store must be set to false";
	return undefined;
}

async function stream(
	ctx: RouteContext,
	entry: RequestLogEntry,
	account: Account,
	request: Record<string, unknown>,
	fault: Fault | undefined,
	plan: ResponsePlan,
): Promise<void> {
	const writer = new SseWriter(ctx.res);
	if (fault?.kind === "response-failed" || fault?.kind === "error-event") {
		await failInStream(ctx, writer, request, fault);
		return;
	}
	const inputTokens = estimateInputTokens(request);
	const cacheKey = typeof request.prompt_cache_key === "string" ? request.prompt_cache_key : undefined;
	const cachedTokens = rememberPrompt(account, cacheKey, inputTokens);
	const events = buildResponseEvents({ accountId: account.accountId, plan, request, inputTokens, cachedTokens });
	const cut = fault?.kind === "cut-mid-stream" ? fault.afterDeltas : undefined;
	let deltas = 0;
	for (const event of events) {
		if (!writer.open) return;
		if (event.delta) {
			if (cut !== undefined && deltas >= cut) return destroy(ctx, entry);
			if (deltas > 0) await sleep(plan.interTokenDelayMs ?? 0, ctx.signal);
			deltas++;
		}
		if (event.type === "response.completed") {
			if (cut !== undefined) return destroy(ctx, entry);
			// Charged before the client can see completion, so its next request sees the new usage.
			if (!account.chargeAtAdmission) chargeCompletedResponse(account);
		}
		await writer.send(event.type, event.data);
	}
	writer.end();
}

function destroy(ctx: RouteContext, entry: RequestLogEntry): void {
	kill(ctx);
	ctx.state.patch(entry, { status: 200 });
}

async function failInStream(
	ctx: RouteContext,
	writer: SseWriter,
	request: Record<string, unknown>,
	fault: Extract<Fault, { kind: "response-failed" | "error-event" }>,
): Promise<void> {
	const response = baseResponse(newResponseId(), request);
	for (const event of preambleEvents(response)) await writer.send(event.type, event.data);
	const fallback = serverError(500, ctx.requestId).body as { error: { code: string; message: string } };
	const code = fault.code ?? fallback.error.code;
	const message = fault.message ?? fallback.error.message;
	if (fault.kind === "response-failed") {
		await writer.send("response.failed", { response: { ...response, status: "failed", error: { code, message } } });
	} else {
		await writer.send("error", { code, message, param: null });
	}
	writer.end();
}
