import { request as httpRequest } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	type Caller,
	encryptedContentOwner,
	type FakeCodex,
	postResponses,
	readSse,
	responsesBody,
	startFakeCodex,
} from "../fake-codex/index.ts";
import { CODEX_MODEL_ID } from "../helpers/pi-under-test.ts";

// The /codex/responses route over raw fetch: event order and payloads, the
// x-codex headers, zstd bodies, authentication and the refused WebSocket.

let fake: FakeCodex;
let alice: Caller;
let bob: Caller;

beforeEach(async () => {
	fake = await startFakeCodex();
	alice = { accountId: "acct-alice", access: fake.addAccount({ accountId: "acct-alice" }).access };
	bob = { accountId: "acct-bob", access: fake.addAccount({ accountId: "acct-bob", plan: "pro" }).access };
});

afterEach(async () => {
	await fake.close();
});

describe("successful stream", () => {
	it("streams the real event order with sequence numbers and a completed usage block", async () => {
		fake.setResponse({
			text: "One two three four",
			deltas: 2,
			reasoning: true,
			toolCall: { name: "ls", arguments: '{"path":"."}' },
		});
		const res = await postResponses(fake, alice);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toContain("text/event-stream");
		const frames = await readSse(res);
		const types = frames.map((f) => f.data.type);
		expect(frames.map((f) => f.event)).toEqual(types);
		expect(types).toEqual([
			"response.created",
			"response.in_progress",
			"response.output_item.added",
			"response.reasoning_summary_part.added",
			"response.reasoning_summary_text.delta",
			"response.reasoning_summary_text.delta",
			"response.reasoning_summary_text.delta",
			"response.reasoning_summary_text.done",
			"response.reasoning_summary_part.done",
			"response.output_item.done",
			"response.output_item.added",
			"response.content_part.added",
			"response.output_text.delta",
			"response.output_text.delta",
			"response.output_text.done",
			"response.content_part.done",
			"response.output_item.done",
			"response.output_item.added",
			"response.function_call_arguments.delta",
			"response.function_call_arguments.delta",
			"response.function_call_arguments.delta",
			"response.function_call_arguments.done",
			"response.output_item.done",
			"response.completed",
		]);
		expect(frames.map((f) => f.data.sequence_number)).toEqual(frames.map((_, i) => i));

		const created = frames[0]?.data.response as Record<string, unknown>;
		expect(created.id).toMatch(/^resp_/);
		expect(created.status).toBe("in_progress");
		expect(created.model).toBe(CODEX_MODEL_ID);

		const deltas = frames.filter((f) => f.data.type === "response.output_text.delta").map((f) => f.data.delta);
		expect(deltas.join("")).toBe("One two three four");

		const reasoningDone = frames[9]?.data.item as Record<string, unknown>;
		expect(reasoningDone.type).toBe("reasoning");
		expect(reasoningDone.id).toMatch(/^rs_/);
		expect(encryptedContentOwner(reasoningDone.encrypted_content as string)).toBe("acct-alice");
		expect((reasoningDone.summary as Array<{ text: string }>)[0]?.text).toContain("Considering");

		const message = frames[16]?.data.item as Record<string, unknown>;
		expect(message).toMatchObject({ type: "message", role: "assistant", status: "completed" });
		expect(message.content).toEqual([
			{ type: "output_text", annotations: [], logprobs: [], text: "One two three four" },
		]);

		const call = frames[22]?.data.item as Record<string, unknown>;
		expect(call).toMatchObject({ type: "function_call", name: "ls", arguments: '{"path":"."}', status: "completed" });
		expect(call.call_id).toMatch(/^call_/);

		const completed = frames[23]?.data.response as Record<string, unknown>;
		expect(completed.id).toBe(created.id);
		expect(completed.status).toBe("completed");
		expect((completed.output as unknown[]).length).toBe(3);
		const usage = completed.usage as Record<string, any>;
		expect(usage.input_tokens).toBeGreaterThan(0);
		expect(usage.output_tokens).toBeGreaterThan(usage.output_tokens_details.reasoning_tokens);
		expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
		expect(usage.input_tokens_details).toEqual({ cached_tokens: 0 });
	});

	it("says hello from the account by default, one delta per word", async () => {
		const frames = await readSse(await postResponses(fake, bob));
		const deltas = frames.filter((f) => f.data.type === "response.output_text.delta").map((f) => f.data.delta);
		expect(deltas).toEqual(["Hello ", "from ", "acct-bob."]);
	});

	it("leaves encrypted_content out unless the request includes it", async () => {
		fake.setResponse({ reasoning: true });
		const frames = await readSse(await postResponses(fake, alice, responsesBody({ include: [] })));
		const item = frames.find((f) => f.data.type === "response.output_item.done")?.data.item as Record<
			string,
			unknown
		>;
		expect(item.type).toBe("reasoning");
		expect(item).not.toHaveProperty("encrypted_content");
	});

	it("honours per-account plans over the default and forced usage numbers", async () => {
		fake.setResponse({ text: "default" });
		fake.setResponse(
			{ text: "bob only", usage: { inputTokens: 2000, cachedTokens: 1536, outputTokens: 7 } },
			"acct-bob",
		);
		const a = await readSse(await postResponses(fake, alice));
		const b = await readSse(await postResponses(fake, bob));
		expect(a.find((f) => f.data.type === "response.output_text.done")?.data.text).toBe("default");
		expect(b.find((f) => f.data.type === "response.output_text.done")?.data.text).toBe("bob only");
		const usage = (b.at(-1)!.data.response as Record<string, any>).usage;
		expect(usage).toMatchObject({
			input_tokens: 2000,
			input_tokens_details: { cached_tokens: 1536 },
			output_tokens: 7,
		});
	});

	it("reuses the prompt cache per account and prompt_cache_key only", async () => {
		const long = responsesBody({ prompt_cache_key: "sess-1", instructions: "x".repeat(8000) });
		const cached = async (caller: Caller) => {
			const frames = await readSse(await postResponses(fake, caller, long));
			return (frames.at(-1)!.data.response as Record<string, any>).usage.input_tokens_details.cached_tokens;
		};
		expect(await cached(alice)).toBe(0);
		expect(await cached(alice)).toBeGreaterThanOrEqual(1024);
		expect(await cached(bob)).toBe(0);
	});

	it("accepts a zstd body and logs it with the session id", async () => {
		const body = responsesBody({ prompt_cache_key: "sess-z" });
		const res = await postResponses(fake, alice, body, { zstd: true, headers: { "session-id": "sess-z" } });
		expect(res.status).toBe(200);
		await res.text();
		const entry = fake.requests.at(-1);
		expect(entry).toMatchObject({ route: "responses", accountId: "acct-alice", status: 200, sessionId: "sess-z" });
		expect(entry?.body).toEqual(body);
	});

	it("rejects non-streaming and stored requests like the service", async () => {
		const noStream = await postResponses(fake, alice, responsesBody({ stream: false }));
		expect(noStream.status).toBe(400);
		expect(await noStream.json()).toEqual({ detail: "Stream must be set to true" });
		const stored = await postResponses(fake, alice, responsesBody({ store: true }));
		expect(await stored.json()).toEqual({ detail: "Store must be set to false" });
	});
});

describe("rate-limit headers", () => {
	it("reports both windows, plan and reset times on success", async () => {
		fake.setUsage("acct-bob", {
			primary: { usedPercent: 12.5 },
			secondary: { usedPercent: 40, resetsInSeconds: 7200 },
		});
		const res = await postResponses(fake, bob);
		await res.text();
		const usage = fake.usageOf("acct-bob");
		const h = (name: string) => res.headers.get(name);
		expect(h("x-codex-primary-used-percent")).toBe("12.5");
		expect(h("x-codex-primary-window-minutes")).toBe("300");
		expect(h("x-codex-primary-reset-at")).toBe(String(Math.ceil(usage.primary.resetsAt / 1000)));
		expect(Number(h("x-codex-primary-reset-after-seconds"))).toBeGreaterThan(0);
		expect(h("x-codex-secondary-used-percent")).toBe("40");
		expect(h("x-codex-secondary-window-minutes")).toBe("10080");
		expect(h("x-codex-secondary-reset-at")).toBe(String(Math.ceil(usage.secondary.resetsAt / 1000)));
		expect(Number(h("x-codex-secondary-reset-after-seconds"))).toBeLessThanOrEqual(7200);
		expect(h("x-codex-plan-type")).toBe("pro");
		expect(h("x-codex-active-limit")).toBe("codex");
	});
});

describe("authentication", () => {
	it("rejects a token presented for another account", async () => {
		const res = await postResponses(fake, { accountId: "acct-bob", access: alice.access });
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({ detail: "Unauthorized" });
		expect(fake.requests.at(-1)).toMatchObject({ route: "responses", status: 401, accountId: "acct-bob" });
	});

	it("answers token_expired once the account's access tokens are expired", async () => {
		fake.expireAccessTokens("acct-alice");
		const res = await postResponses(fake, alice);
		expect(res.status).toBe(401);
		const body = (await res.json()) as Record<string, any>;
		expect(body.error.code).toBe("token_expired");
		expect(res.headers.get("x-codex-primary-used-percent")).toBeNull();
		const fresh = fake.issueTokens("acct-alice");
		expect((await postResponses(fake, { ...alice, access: fresh.access })).status).toBe(200);
	});

	it("expires tokens by their lifetime", async () => {
		const tokens = fake.addAccount({ accountId: "acct-short", accessTtlSeconds: 0 });
		const res = await postResponses(fake, { accountId: "acct-short", access: tokens.access });
		expect(res.status).toBe(401);
		expect(((await res.json()) as Record<string, any>).error.code).toBe("token_expired");
	});

	it("answers token_invalidated for an unknown token and detail for a missing one", async () => {
		const unknown = await postResponses(fake, { accountId: "acct-alice", access: "eyJ.not.ours" });
		expect(((await unknown.json()) as Record<string, any>).error.code).toBe("token_invalidated");
		const missing = await postResponses(fake, alice, responsesBody(), { headers: { authorization: "" } });
		expect(missing.status).toBe(401);
	});
});

describe("transport", () => {
	it("refuses a WebSocket upgrade with 426 and logs it", async () => {
		const status = await new Promise<number>((resolve, reject) => {
			const req = httpRequest(`${fake.baseUrl}/codex/responses`, {
				headers: {
					connection: "Upgrade",
					upgrade: "websocket",
					"sec-websocket-version": "13",
					"sec-websocket-key": Buffer.from("0123456789abcdef").toString("base64"),
					"chatgpt-account-id": "acct-alice",
				},
			});
			req.on("response", (res) => {
				res.resume();
				resolve(res.statusCode ?? 0);
			});
			req.on("upgrade", () => reject(new Error("upgraded")));
			req.on("error", reject);
			req.end();
		});
		expect(status).toBe(426);
		expect(fake.requests.at(-1)).toMatchObject({ route: "responses", status: 426, websocket: true });
	});

	it("answers unknown paths with 404 and wrong methods with 405", async () => {
		expect((await fetch(`${fake.origin}/nope`)).status).toBe(404);
		expect((await fetch(`${fake.baseUrl}/codex/responses`)).status).toBe(405);
	});
});
