import { randomUUID } from "node:crypto";
import type { AssistantMessage, Context, SimpleStreamOptions } from "@earendil-works/pi-ai";
import {
	closeOpenAICodexWebSocketSessions,
	getOpenAICodexWebSocketDebugStats,
	resetOpenAICodexWebSocketDebugStats,
} from "@earendil-works/pi-ai/api/openai-codex-responses";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
	encryptedContentOwner,
	type FakeCodex,
	type FakeTokens,
	type RequestLogEntry,
	startFakeCodex,
} from "../fake-codex/index.ts";
import { deltas, runPiAi } from "../helpers/pi-ai-run.ts";
import { CODEX_MODEL_ID } from "../helpers/pi-under-test.ts";

// The fake's WebSocket transport, proved against pi-ai's own Codex client
// (transport "websocket" and "auto") and a raw `ws` client for the wire shapes.
// pi-ai keeps sockets per (sessionId, account) and remembers, process-wide, a
// session whose WebSocket failed (it then stays on SSE), so every test uses
// fresh session ids and drops pi's sockets afterwards.

let fake: FakeCodex;
let alice: FakeTokens;
let bob: FakeTokens;

beforeEach(async () => {
	fake = await startFakeCodex({ websocket: "serve" });
	alice = fake.addAccount({ accountId: "acct-alice" });
	bob = fake.addAccount({ accountId: "acct-bob" });
});

afterEach(async () => {
	closeOpenAICodexWebSocketSessions();
	resetOpenAICodexWebSocketDebugStats();
	await fake.close();
});

const session = () => `sess-${randomUUID()}`;

const hello: Context = {
	systemPrompt: "You are terse.",
	messages: [{ role: "user", content: "Say hello", timestamp: 1 }],
};

function followUp(first: AssistantMessage, text = "And again"): Context {
	return { ...hello, messages: [...hello.messages, first, { role: "user", content: text, timestamp: 2 }] };
}

function run(tokens: FakeTokens, opts: Partial<SimpleStreamOptions> = {}, context: Context = hello) {
	return runPiAi(fake, tokens, context, { transport: "websocket", ...opts });
}

/** The conversation items of a request: pi-ai may also send its instructions as a developer item. */
function inputOf(entry: RequestLogEntry | undefined): unknown[] {
	const input = ((entry?.body ?? {}) as { input?: { role?: string }[] }).input ?? [];
	return input.filter((item) => item.role !== "developer" && item.role !== "system");
}

/** [status, websocket] of the logged responses requests of one session. */
function transports(sessionId: string): Array<[number, boolean]> {
	return fake.requests.filter((e) => e.sessionId === sessionId).map((e) => [e.status, e.websocket ?? false]);
}

describe("pi-ai over the fake's WebSocket", () => {
	it("streams text, one log entry per response.create, no SSE request", async () => {
		fake.setResponse({ text: "The quick brown fox jumps over the lazy dog." });
		const sessionId = session();
		const { events, message, responses } = await run(alice, { sessionId });
		expect(message.stopReason).toBe("stop");
		expect(deltas(events, "text_delta")).toBe("The quick brown fox jumps over the lazy dog.");
		expect(message.responseId).toMatch(/^resp_/);
		// pi-ai has no onResponse over WebSocket: the x-codex numbers are not visible to it.
		expect(responses).toEqual([]);
		expect(transports(sessionId)).toEqual([[200, true]]);
		const entry = fake.requests.at(-1);
		expect(entry).toMatchObject({ route: "responses", websocket: true, accountId: "acct-alice", sessionId });
		expect(entry?.body).toMatchObject({ model: CODEX_MODEL_ID, store: false, prompt_cache_key: sessionId });
		expect(entry?.body).not.toHaveProperty("type");
		expect(fake.websocketConnectionCount("acct-alice")).toBe(1);
	});

	it("streams reasoning with this account's encrypted content", async () => {
		fake.setResponse({ text: "Done.", reasoning: true });
		const { events, message } = await run(alice, { sessionId: session(), reasoning: "low" });
		const thinking = message.content.find((b) => b.type === "thinking");
		if (thinking?.type !== "thinking") throw new Error("no thinking block");
		expect(deltas(events, "thinking_delta")).toContain("Considering");
		const item = JSON.parse(thinking.thinkingSignature ?? "{}") as Record<string, unknown>;
		expect(encryptedContentOwner(item.encrypted_content as string)).toBe("acct-alice");
		expect(message.content.at(-1)).toMatchObject({ type: "text", text: "Done." });
	});

	it("streams a tool call", async () => {
		fake.setResponse({ toolCall: { name: "read_file", arguments: '{"path":"README.md"}' } });
		const context: Context = {
			...hello,
			tools: [
				{
					name: "read_file",
					description: "Read a file",
					parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } as never,
				},
			],
		};
		const { message } = await run(alice, { sessionId: session() }, context);
		expect(message.stopReason).toBe("toolUse");
		expect(message.content).toMatchObject([
			{ type: "toolCall", name: "read_file", arguments: { path: "README.md" } },
		]);
	});

	it("honours the plan's pacing", async () => {
		fake.setResponse({ text: "a b c d", firstByteDelayMs: 120, interTokenDelayMs: 40 });
		const started = Date.now();
		const { message } = await run(alice, { sessionId: session() });
		expect(message.stopReason).toBe("stop");
		expect(Date.now() - started).toBeGreaterThanOrEqual(120 + 3 * 40 - 10);
	});

	it("a second turn on the same session reuses the socket", async () => {
		const sessionId = session();
		const first = await run(alice, { sessionId });
		const second = await run(alice, { sessionId }, followUp(first.message));
		expect(second.message.stopReason).toBe("stop");
		expect(fake.websocketConnectionCount()).toBe(1);
		expect(fake.openWebSocketCount()).toBe(1);
		expect(transports(sessionId)).toEqual([
			[200, true],
			[200, true],
		]);
		expect(getOpenAICodexWebSocketDebugStats(sessionId)).toMatchObject({
			connectionsCreated: 1,
			connectionsReused: 1,
		});
		// Another account on the same session gets its own socket.
		await run(bob, { sessionId });
		expect(fake.websocketConnectionCount("acct-bob")).toBe(1);
	});

	it("auto continues with previous_response_id and only the new input", async () => {
		const sessionId = session();
		const first = await run(alice, { sessionId, transport: "auto" });
		const second = await run(alice, { sessionId, transport: "auto" }, followUp(first.message));
		expect(second.message.stopReason).toBe("stop");
		const [one, two] = fake.requests.filter((e) => e.sessionId === sessionId);
		expect(two?.body).toMatchObject({ previous_response_id: first.message.responseId });
		expect(inputOf(two)).toHaveLength(1);
		expect(inputOf(one)).toHaveLength(1);
		// The fake answered for the whole conversation, so it counted more input.
		expect(second.message.usage.input).toBeGreaterThan(first.message.usage.input);
		expect(fake.websocketConnectionCount()).toBe(1);
	});

	it("a lost continuation answers previous_response_not_found and pi retries with full context", async () => {
		const sessionId = session();
		const first = await run(alice, { sessionId, transport: "auto" });
		fake.forgetWebSocketResponses();
		const second = await run(alice, { sessionId, transport: "auto" }, followUp(first.message));
		expect(second.message.stopReason).toBe("stop");
		const [, missed, retried] = fake.requests.filter((e) => e.sessionId === sessionId);
		expect(missed).toMatchObject({ status: 400, websocket: true });
		expect(missed?.body).toHaveProperty("previous_response_id", first.message.responseId);
		expect(retried).toMatchObject({ status: 200, websocket: true });
		expect(retried?.body).not.toHaveProperty("previous_response_id");
		expect(inputOf(retried)).toHaveLength(3);
		// pi closes a socket after any error, so the retry opened a new one.
		expect(fake.websocketConnectionCount()).toBe(2);
	});

	it("auto falls back to SSE when the fake refuses the upgrade", async () => {
		fake.websocket = "refuse";
		const sessionId = session();
		const { message, responses } = await run(alice, { sessionId, transport: "auto" });
		expect(message.stopReason).toBe("stop");
		expect(transports(sessionId)).toEqual([
			[426, true],
			[200, false],
		]);
		expect(responses).toHaveLength(1);
		expect(fake.websocketConnectionCount()).toBe(0);
	});
});

describe("faults over WebSocket, as pi reports them", () => {
	// In-band `error` events become CodexApiError: thrown as is, no SSE fallback.
	const inBand: Array<[string, Parameters<FakeCodex["setFault"]>[1], string | RegExp, number]> = [
		[
			"usage-limit",
			{ kind: "usage-limit", resetsInSeconds: 1800 },
			"Codex error: The usage limit has been reached",
			429,
		],
		[
			"rate-limit",
			{ kind: "rate-limit", retryAfterSeconds: 7 },
			"Codex error: Rate limit reached. Please try again in 7s.",
			429,
		],
		[
			"server-error 500",
			{ kind: "server-error", status: 500 },
			/^Codex error: An error occurred while processing your request\. .*Please include the request ID req_[0-9a-f]{32} in your message\.$/,
			500,
		],
		["server-error 502", { kind: "server-error", status: 502 }, "Codex error: Bad Gateway", 502],
		[
			"server-error 503",
			{ kind: "server-error", status: 503 },
			"Codex error: Our servers are currently overloaded. Please try again later.",
			503,
		],
	];
	for (const [name, fault, expected, status] of inBand) {
		it(`${name} arrives as an in-band error event`, async () => {
			fake.setFault("acct-alice", fault, { times: 1 });
			const sessionId = session();
			const { message, events } = await run(alice, { sessionId });
			expect(message.stopReason).toBe("error");
			if (typeof expected === "string") expect(message.errorMessage).toBe(expected);
			else expect(message.errorMessage).toMatch(expected);
			expect(events.map((e) => e.type)).toEqual(["error"]);
			expect(transports(sessionId)).toEqual([[status, true]]);
			expect(fake.requests.at(-1)?.fault).toBe(fault.kind);
		});
	}

	it("an exhausted account gives the same usage-limit message", async () => {
		fake.setUsage("acct-bob", { secondary: { usedPercent: 100, resetsInSeconds: 7200 } });
		const { message } = await run(bob, { sessionId: session() });
		expect(message.errorMessage).toBe("Codex error: The usage limit has been reached");
	});

	it("response.failed gives its bare message; an error event gets the Codex error prefix", async () => {
		fake.setFault(
			"acct-alice",
			{ kind: "response-failed", code: "server_error", message: "The model melted." },
			{ times: 1 },
		);
		const failed = await run(alice, { sessionId: session() });
		expect(failed.message.errorMessage).toBe("The model melted.");
		fake.setFault(
			"acct-alice",
			{ kind: "error-event", code: "overloaded", message: "Try again later." },
			{ times: 1 },
		);
		const errored = await run(alice, { sessionId: session() });
		expect(errored.message.errorMessage).toBe("Codex error: Try again later.");
	});

	it("a cut stream is 'WebSocket closed 1006', and pi keeps that session on SSE afterwards", async () => {
		fake.setResponse({ text: "one two three four" });
		fake.setFault("acct-alice", { kind: "cut-mid-stream", afterDeltas: 2 }, { times: 1 });
		const sessionId = session();
		const { events, message } = await run(alice, { sessionId });
		expect(message.stopReason).toBe("error");
		expect(message.errorMessage).toBe("WebSocket closed 1006");
		expect(deltas(events, "text_delta")).toBe("one two ");
		expect(getOpenAICodexWebSocketDebugStats(sessionId)?.websocketFallbackActive).toBe(true);
		await run(alice, { sessionId });
		expect(transports(sessionId)).toEqual([
			[200, true],
			[200, false],
		]);
	});

	it("an expired token on a reused socket is an in-band 401", async () => {
		const sessionId = session();
		await run(alice, { sessionId });
		fake.expireAccessTokens("acct-alice");
		const { message } = await run(alice, { sessionId });
		expect(message.errorMessage).toBe(
			"Codex error: Provided authentication token is expired. Please try signing in again.",
		);
		expect(transports(sessionId)).toEqual([
			[200, true],
			[401, true],
		]);
		expect(fake.websocketConnectionCount()).toBe(1);
	});

	it("an expired token is refused at upgrade with 401; pi falls back to SSE and reports SSE's 401", async () => {
		fake.expireAccessTokens("acct-alice");
		const sessionId = session();
		const { message } = await run(alice, { sessionId });
		expect(message.errorMessage).toBe("Provided authentication token is expired. Please try signing in again.");
		expect(transports(sessionId)).toEqual([
			[401, true],
			[401, false],
		]);
		expect(fake.requests.find((e) => e.sessionId === sessionId)?.upgrade).toBe(true);
		expect(getOpenAICodexWebSocketDebugStats(sessionId)?.lastWebSocketError).toBe(
			"Received network error or non-101 status code.",
		);
	});

	it("unauthorized and reset-before-headers act on the upgrade; once, pi's SSE fallback succeeds", async () => {
		for (const kind of ["unauthorized", "reset-before-headers"] as const) {
			fake.setFault("acct-alice", { kind }, { times: 1 });
			const sessionId = session();
			const { message } = await run(alice, { sessionId });
			expect(message.stopReason).toBe("stop");
			expect(transports(sessionId)).toEqual([
				[kind === "unauthorized" ? 401 : 0, true],
				[200, false],
			]);
			expect(fake.requests.find((e) => e.sessionId === sessionId)).toMatchObject({ upgrade: true, fault: kind });
		}
		expect(fake.websocketConnectionCount()).toBe(0);
	});

	it("a hang runs into pi's idle timeout, then SSE", async () => {
		fake.setFault("acct-alice", { kind: "hang" }, { times: 1 });
		const sessionId = session();
		const { message } = await run(alice, { sessionId, timeoutMs: 300 });
		expect(message.stopReason).toBe("stop");
		expect(getOpenAICodexWebSocketDebugStats(sessionId)?.lastWebSocketError).toBe(
			"WebSocket idle timeout after 300ms",
		);
		const hung = await fake.waitForRequest((e) => e.sessionId === sessionId && e.clientClosed === true);
		expect(hung).toMatchObject({ websocket: true, status: 0, fault: "hang" });
	});

	it("replaying one account's reasoning to another is rejected in band", async () => {
		fake.setResponse({ text: "First.", reasoning: true });
		const first = await run(alice, { sessionId: session(), reasoning: "low" });
		const { message } = await run(bob, { sessionId: session(), reasoning: "low" }, followUp(first.message));
		expect(message.errorMessage).toMatch(
			/^Codex error: The encrypted content gAAAAA.{2}\.\.\..{4} could not be verified\. Reason: Encrypted content could not be decrypted or parsed\.$/,
		);
		expect(fake.requests.at(-1)).toMatchObject({ status: 400, websocket: true, accountId: "acct-bob" });
	});
});

describe("the wire, seen by a raw WebSocket client", () => {
	type Event = Record<string, unknown> & { type: string };

	function connect(tokens: FakeTokens, accountId: string): Promise<WebSocket> {
		const url = `${fake.baseUrl.replace("http:", "ws:")}/codex/responses`;
		const socket = new WebSocket(url, {
			headers: { authorization: `Bearer ${tokens.access}`, "chatgpt-account-id": accountId, "session-id": "raw" },
		});
		return new Promise((resolve, reject) => {
			socket.once("open", () => resolve(socket));
			socket.once("error", reject);
		});
	}

	/** Sends one response.create and collects events up to a terminal one. */
	function exchange(socket: WebSocket, body: Record<string, unknown>): Promise<Event[]> {
		const events: Event[] = [];
		return new Promise((resolve) => {
			const onMessage = (data: Buffer) => {
				const event = JSON.parse(data.toString("utf8")) as Event;
				events.push(event);
				if (["response.completed", "response.failed", "error"].includes(event.type)) {
					socket.off("message", onMessage);
					resolve(events);
				}
			};
			socket.on("message", onMessage);
			socket.send(
				JSON.stringify({ type: "response.create", model: CODEX_MODEL_ID, store: false, input: [], ...body }),
			);
		});
	}

	it("answers each response.create with codex.rate_limits, then the SSE event sequence", async () => {
		fake.setResponse({ text: "Hi there." });
		fake.setUsage("acct-alice", { primary: { usedPercent: 25 } });
		const socket = await connect(alice, "acct-alice");
		const first = await exchange(socket, {});
		const second = await exchange(socket, {});
		socket.close();
		expect(first.map((e) => e.type)).toEqual([
			"codex.rate_limits",
			"response.created",
			"response.in_progress",
			"response.output_item.added",
			"response.content_part.added",
			"response.output_text.delta",
			"response.output_text.delta",
			"response.output_text.done",
			"response.content_part.done",
			"response.output_item.done",
			"response.completed",
		]);
		expect(first[0]).toMatchObject({
			plan_type: "plus",
			rate_limits: {
				allowed: true,
				limit_reached: false,
				primary: { used_percent: 25, window_minutes: 300 },
				secondary: { used_percent: 0, window_minutes: 10080 },
			},
			credits: { has_credits: false, unlimited: false, balance: "0" },
		});
		expect(first.slice(1).map((e) => e.sequence_number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect(second.at(-1)?.type).toBe("response.completed");
		expect(fake.websocketConnectionCount()).toBe(1);
		expect(fake.requests.filter((e) => e.websocket)).toHaveLength(2);
	});

	it("wraps a usage limit like the service: status, error object with reset info, headers", async () => {
		fake.setFault("acct-alice", { kind: "usage-limit", resetsInSeconds: 600 }, { times: 1 });
		const socket = await connect(alice, "acct-alice");
		const [event] = await exchange(socket, {});
		expect(event).toMatchObject({
			type: "error",
			status: 429,
			error: { type: "usage_limit_reached", message: "The usage limit has been reached", plan_type: "plus" },
			headers: { "x-codex-primary-used-percent": "100", "x-codex-plan-type": "plus" },
		});
		const error = event?.error as { resets_at: number; resets_in_seconds: number };
		expect(error.resets_in_seconds).toBeGreaterThanOrEqual(599);
		expect(error.resets_at).toBeGreaterThan(Date.now() / 1000);
		// The socket stays usable.
		expect((await exchange(socket, {})).at(-1)?.type).toBe("response.completed");
		socket.close();
	});

	it("answers an unknown previous_response_id with previous_response_not_found", async () => {
		const socket = await connect(alice, "acct-alice");
		const [event] = await exchange(socket, { previous_response_id: "resp_nope" });
		socket.close();
		expect(event).toMatchObject({
			type: "error",
			status: 400,
			error: {
				code: "previous_response_not_found",
				message: "Previous response with id 'resp_nope' not found.",
				param: "previous_response_id",
			},
		});
	});

	it("refuses a bad token at upgrade time with an HTTP 401 and JSON body", async () => {
		const url = `${fake.baseUrl.replace("http:", "ws:")}/codex/responses`;
		const socket = new WebSocket(url, {
			headers: { authorization: "Bearer nope", "chatgpt-account-id": "acct-alice" },
		});
		const refused = await new Promise<{ status?: number; body: string }>((resolve) => {
			socket.once("unexpected-response", (_req, res) => {
				let body = "";
				res.on("data", (chunk: Buffer) => {
					body += chunk.toString("utf8");
				});
				res.on("end", () => resolve({ status: res.statusCode, body }));
			});
		});
		expect(refused.status).toBe(401);
		expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "token_invalidated" } });
		expect(fake.requests.at(-1)).toMatchObject({ status: 401, websocket: true, upgrade: true });
	});
});
