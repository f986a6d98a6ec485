import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	type Caller,
	type FakeCodex,
	parseSseText,
	postResponses,
	readSse,
	responsesBody,
	startFakeCodex,
} from "../fake-codex/index.ts";
import { CODEX_MODEL_ID } from "../helpers/pi-under-test.ts";

// Every fault switch, automatic exhaustion, foreign reasoning, and the ways the
// service can vanish (hang, cut, reset, crash), over raw fetch.

let fake: FakeCodex;
let alice: Caller;
let bob: Caller;

beforeEach(async () => {
	fake = await startFakeCodex();
	alice = { accountId: "acct-alice", access: fake.addAccount({ accountId: "acct-alice" }).access };
	bob = { accountId: "acct-bob", access: fake.addAccount({ accountId: "acct-bob" }).access };
});

afterEach(async () => {
	await fake.close();
});

/** Reads whatever arrives until the stream ends or breaks. */
async function readUntilBroken(res: Response): Promise<{ text: string; error?: unknown }> {
	const reader = res.body!.getReader();
	const decoder = new TextDecoder();
	let text = "";
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return { text };
			text += decoder.decode(value, { stream: true });
		}
	} catch (error) {
		return { text, error };
	}
}

describe("error faults", () => {
	it("usage-limit answers the real 429 body with 100% headers, then clears after `times`", async () => {
		fake.setFault("acct-alice", { kind: "usage-limit", resetsInSeconds: 1800 }, { times: 1 });
		const res = await postResponses(fake, alice);
		expect(res.status).toBe(429);
		const body = (await res.json()) as Record<string, any>;
		expect(body.error).toMatchObject({ type: "usage_limit_reached", plan_type: "plus", eligible_promo: null });
		const nowSec = Date.now() / 1000;
		expect(body.error.resets_at).toBeGreaterThan(nowSec + 1700);
		expect(body.error.resets_in_seconds).toBeGreaterThan(1700);
		expect(res.headers.get("x-codex-primary-used-percent")).toBe("100");
		expect(res.headers.get("x-codex-primary-reset-at")).toBe(String(body.error.resets_at));
		expect(fake.requests.at(-1)).toMatchObject({ status: 429, fault: "usage-limit" });
		expect((await postResponses(fake, alice)).status).toBe(200);
	});

	it("rate-limit answers 429 rate_limit_exceeded with retry-after", async () => {
		fake.setFault("acct-alice", { kind: "rate-limit", retryAfterSeconds: 7 });
		const res = await postResponses(fake, alice);
		expect(res.status).toBe(429);
		expect(res.headers.get("retry-after")).toBe("7");
		expect(res.headers.get("x-codex-secondary-used-percent")).toBe("0");
		expect(((await res.json()) as Record<string, any>).error.code).toBe("rate_limit_exceeded");
		// Armed without `times`, it keeps firing.
		expect((await postResponses(fake, alice)).status).toBe(429);
		fake.clearFault("acct-alice");
		expect((await postResponses(fake, alice)).status).toBe(200);
	});

	it("unauthorized answers 401 token_expired", async () => {
		fake.setFault("acct-alice", { kind: "unauthorized" }, { times: 1 });
		const res = await postResponses(fake, alice);
		expect(res.status).toBe(401);
		expect(((await res.json()) as Record<string, any>).error.code).toBe("token_expired");
	});

	it.each([500, 502, 503] as const)("server-error %i carries the rate-limit headers", async (status) => {
		fake.setFault("acct-alice", { kind: "server-error", status }, { times: 1 });
		const res = await postResponses(fake, alice);
		expect(res.status).toBe(status);
		expect(res.headers.get("x-codex-primary-used-percent")).toBe("0");
		await res.text();
	});

	it("a fault on one account leaves the others alone", async () => {
		fake.setFault("acct-alice", { kind: "server-error", status: 500 });
		expect((await postResponses(fake, bob)).status).toBe(200);
	});
});

describe("in-stream faults", () => {
	it("response-failed sends created, in_progress, then response.failed", async () => {
		fake.setFault("acct-alice", { kind: "response-failed", code: "server_error", message: "boom" }, { times: 1 });
		const res = await postResponses(fake, alice);
		expect(res.status).toBe(200);
		const frames = await readSse(res);
		expect(frames.map((f) => f.data.type)).toEqual(["response.created", "response.in_progress", "response.failed"]);
		const response = frames[2]?.data.response as Record<string, any>;
		expect(response.status).toBe("failed");
		expect(response.error).toEqual({ code: "server_error", message: "boom" });
	});

	it("error-event sends an `error` event", async () => {
		fake.setFault("acct-alice", { kind: "error-event", code: "overloaded", message: "try later" }, { times: 1 });
		const frames = await readSse(await postResponses(fake, alice));
		expect(frames.at(-1)?.data).toMatchObject({ type: "error", code: "overloaded", message: "try later" });
	});

	it("cut-mid-stream sends the first deltas and then breaks the connection", async () => {
		fake.setResponse({ text: "a b c d e f" });
		fake.setFault("acct-alice", { kind: "cut-mid-stream", afterDeltas: 2 }, { times: 1 });
		const res = await postResponses(fake, alice);
		expect(res.status).toBe(200);
		const { text, error } = await readUntilBroken(res);
		expect(error).toBeDefined();
		const types = parseSseText(text).map((f) => f.data.type);
		expect(types.filter((t) => t === "response.output_text.delta")).toHaveLength(2);
		expect(types).not.toContain("response.completed");
	});

	it("reset-before-headers makes fetch fail", async () => {
		fake.setFault("acct-alice", { kind: "reset-before-headers" }, { times: 1 });
		await expect(postResponses(fake, alice)).rejects.toThrow();
		expect((await postResponses(fake, alice)).status).toBe(200);
	});
});

describe("the service going away", () => {
	it("hang holds the request until close()", async () => {
		fake.setFault("acct-alice", { kind: "hang" });
		const pending = postResponses(fake, alice);
		await fake.waitForRequest((e) => e.fault === "hang");
		expect(fake.requests.at(-1)?.status).toBe(0);
		await fake.close();
		await expect(pending).rejects.toThrow();
	});

	it("hang is released by the client aborting", async () => {
		fake.setFault("acct-alice", { kind: "hang" }, { times: 1 });
		const abort = new AbortController();
		const pending = postResponses(fake, alice, responsesBody(), { signal: abort.signal });
		await fake.waitForRequest((e) => e.fault === "hang");
		abort.abort();
		await expect(pending).rejects.toThrow();
		const entry = await fake.waitForRequest((e) => e.clientClosed === true);
		expect(entry).toMatchObject({ route: "responses", accountId: "acct-alice", fault: "hang" });
		expect((await postResponses(fake, alice)).status).toBe(200);
	});

	it("flags a client leaving mid-stream, but not breaks the fake caused itself", async () => {
		fake.setResponse({ text: "a b c d e f", interTokenDelayMs: 60_000 });
		const abort = new AbortController();
		const res = await postResponses(fake, alice, responsesBody(), { signal: abort.signal });
		const reader = res.body!.getReader();
		await reader.read();
		abort.abort();
		const entry = await fake.waitForRequest((e) => e.clientClosed === true);
		expect(entry).toMatchObject({ accountId: "acct-alice", status: 200 });

		fake.setResponse({ text: "a b c" });
		fake.setFault("acct-bob", { kind: "cut-mid-stream", afterDeltas: 1 }, { times: 1 });
		await readUntilBroken(await postResponses(fake, bob));
		const ok = await postResponses(fake, bob);
		await ok.text();
		const bobs = fake.requests.filter((e) => e.accountId === "acct-bob");
		expect(bobs.map((e) => e.clientClosed ?? false)).toEqual([false, false]);
	});

	it("crash() drops open connections and stops listening", async () => {
		fake.setFault("acct-alice", { kind: "hang" });
		const pending = postResponses(fake, alice);
		await fake.waitForRequest((e) => e.fault === "hang");
		fake.crash();
		await expect(pending).rejects.toThrow();
		await expect(postResponses(fake, bob)).rejects.toThrow();
		expect(fake.requests.some((e) => e.clientClosed)).toBe(false);
	});
});

describe("automatic exhaustion", () => {
	it("percentPerRequest spends the account until it answers usage_limit_reached", async () => {
		const carol = { accountId: "acct-carol", access: "" };
		carol.access = fake.addAccount({ accountId: "acct-carol", percentPerRequest: 50 }).access;
		for (let i = 0; i < 2; i++) {
			const res = await postResponses(fake, carol);
			expect(res.status).toBe(200);
			await res.text();
		}
		expect(fake.usageOf("acct-carol").primary.usedPercent).toBe(100);
		const res = await postResponses(fake, carol);
		expect(res.status).toBe(429);
		const body = (await res.json()) as Record<string, any>;
		expect(body.error.type).toBe("usage_limit_reached");
		// Both windows are full; the weekly one frees up last, so that is the reset.
		expect(body.error.resets_at).toBe(Math.ceil(fake.usageOf("acct-carol").secondary.resetsAt / 1000));
		expect(res.headers.get("x-codex-secondary-used-percent")).toBe("100");
	});

	it("setUsage can exhaust the weekly window directly", async () => {
		fake.setUsage("acct-bob", { secondary: { usedPercent: 100, resetsInSeconds: 7200 } });
		const res = await postResponses(fake, bob);
		expect(res.status).toBe(429);
		const body = (await res.json()) as Record<string, any>;
		expect(body.error.resets_at).toBe(Math.ceil(fake.usageOf("acct-bob").secondary.resetsAt / 1000));
		fake.setUsage("acct-bob", { secondary: { usedPercent: 10 } });
		expect((await postResponses(fake, bob)).status).toBe(200);
	});

	it("a window whose reset time passed starts over", async () => {
		fake.setUsage("acct-bob", { primary: { usedPercent: 100, resetsInSeconds: 0 } });
		expect(fake.usageOf("acct-bob").primary.usedPercent).toBe(0);
		expect((await postResponses(fake, bob)).status).toBe(200);
	});
});

describe("encrypted reasoning", () => {
	async function mintedReasoning(): Promise<Record<string, unknown>> {
		fake.setResponse({ reasoning: true });
		const frames = await readSse(await postResponses(fake, alice));
		return frames.find((f) => f.data.type === "response.output_item.done")?.data.item as Record<string, unknown>;
	}

	it("rejects another account's reasoning with invalid_encrypted_content", async () => {
		const item = await mintedReasoning();
		const body = responsesBody({
			input: [{ role: "user", content: "hi" }, item, { role: "user", content: "again" }],
		});
		const res = await postResponses(fake, bob, body);
		expect(res.status).toBe(400);
		const error = ((await res.json()) as Record<string, any>).error;
		expect(error).toMatchObject({ type: "invalid_request_error", code: "invalid_encrypted_content", param: null });
		expect(error.message).toContain("could not be verified");
		expect(res.headers.get("x-codex-primary-used-percent")).toBe("0");
		const own = await postResponses(fake, alice, body);
		expect(own.status).toBe(200);
		await own.text();
	});

	it("accepts it when rejectForeignReasoning is off", async () => {
		const item = await mintedReasoning();
		fake.rejectForeignReasoning = false;
		const res = await postResponses(fake, bob, responsesBody({ input: [item] }));
		expect(res.status).toBe(200);
		await res.text();
	});
});

describe("request log", () => {
	it("records route, account, status, session, body and fault in arrival order", async () => {
		fake.setFault("acct-bob", { kind: "server-error", status: 503 }, { times: 1 });
		await (await postResponses(fake, alice, responsesBody(), { headers: { "session-id": "s-1" } })).text();
		await (await postResponses(fake, bob)).text();
		expect(fake.requests).toHaveLength(2);
		expect(fake.requests[0]).toMatchObject({
			route: "responses",
			accountId: "acct-alice",
			status: 200,
			sessionId: "s-1",
		});
		expect(fake.requests[0]?.body).toMatchObject({ model: CODEX_MODEL_ID, stream: true });
		expect(fake.requests[1]).toMatchObject({
			route: "responses",
			accountId: "acct-bob",
			status: 503,
			fault: "server-error",
		});
		expect(fake.requests[0]!.at).toBeLessThanOrEqual(fake.requests[1]!.at);
	});
});
