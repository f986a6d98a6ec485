import type { Context, SimpleStreamOptions } from "@earendil-works/pi-ai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encryptedContentOwner, type FakeCodex, type FakeTokens, startFakeCodex } from "../fake-codex/index.ts";
import { deltas, runPiAi } from "../helpers/pi-ai-run.ts";
import { CODEX_MODEL_ID } from "../helpers/pi-under-test.ts";

// Proof against pi's own Codex client: whatever the fake streams, pi-ai parses
// into the same message it would get from chatgpt.com, and the fake's errors
// come out as pi's real error messages.

let fake: FakeCodex;
let alice: FakeTokens;
let bob: FakeTokens;

beforeEach(async () => {
	fake = await startFakeCodex();
	alice = fake.addAccount({ accountId: "acct-alice" });
	bob = fake.addAccount({ accountId: "acct-bob" });
});

afterEach(async () => {
	await fake.close();
});

const hello: Context = {
	systemPrompt: "You are terse.",
	messages: [{ role: "user", content: "Say hello", timestamp: Date.now() }],
};

function run(tokens: FakeTokens, opts: Partial<SimpleStreamOptions> = {}, context: Context = hello) {
	return runPiAi(fake, tokens, context, { transport: "sse", ...opts });
}

describe("successful responses", () => {
	it("streams text intact and exposes status and x-codex headers to onResponse", async () => {
		fake.setResponse({ text: "The quick brown fox jumps over the lazy dog." });
		const { events, message, responses } = await run(alice, { sessionId: "sess-text" });
		expect(message.stopReason).toBe("stop");
		expect(deltas(events, "text_delta")).toBe("The quick brown fox jumps over the lazy dog.");
		expect(message.content).toMatchObject([{ type: "text", text: "The quick brown fox jumps over the lazy dog." }]);
		expect(message.responseId).toMatch(/^resp_/);
		expect(responses).toHaveLength(1);
		expect(responses[0]?.status).toBe(200);
		expect(responses[0]?.headers["x-codex-primary-used-percent"]).toBe("0");
		expect(responses[0]?.headers["x-codex-secondary-window-minutes"]).toBe("10080");
		// pi sent a zstd body; the fake decoded and logged it.
		const entry = fake.requests.at(-1);
		expect(entry).toMatchObject({ route: "responses", accountId: "acct-alice", sessionId: "sess-text" });
		expect(entry?.body).toMatchObject({
			model: CODEX_MODEL_ID,
			stream: true,
			store: false,
			prompt_cache_key: "sess-text",
		});
	});

	it("turns reasoning into a thinking block whose signature carries the encrypted content", async () => {
		fake.setResponse({ text: "Done.", reasoning: true });
		const { events, message } = await run(alice, { reasoning: "low" });
		const thinking = message.content.find((b) => b.type === "thinking");
		expect(thinking?.type).toBe("thinking");
		if (thinking?.type !== "thinking") return;
		expect(thinking.thinking).toContain("Considering the request");
		expect(deltas(events, "thinking_delta")).toContain("Considering");
		const item = JSON.parse(thinking.thinkingSignature ?? "{}") as Record<string, unknown>;
		expect(item.type).toBe("reasoning");
		expect(encryptedContentOwner(item.encrypted_content as string)).toBe("acct-alice");
		// What the fake keys encrypted reasoning on (the effort pi-ai picks per model is pi-ai's business).
		expect(fake.requests.at(-1)?.body).toMatchObject({ include: ["reasoning.encrypted_content"] });
	});

	it("parses a function call into a toolCall block with arguments", async () => {
		fake.setResponse({ toolCall: { name: "read_file", arguments: '{"path":"README.md","limit":20}' } });
		const context: Context = {
			...hello,
			tools: [
				{
					name: "read_file",
					description: "Read a file",
					parameters: {
						type: "object",
						properties: { path: { type: "string" }, limit: { type: "number" } },
						required: ["path"],
					} as never,
				},
			],
		};
		const { message } = await run(alice, {}, context);
		expect(message.stopReason).toBe("toolUse");
		expect(message.content).toMatchObject([
			{ type: "toolCall", name: "read_file", arguments: { path: "README.md", limit: 20 } },
		]);
	});

	it("maps usage: input without cached, output, cacheRead", async () => {
		fake.setResponse({ usage: { inputTokens: 5000, cachedTokens: 4096, outputTokens: 42, reasoningTokens: 10 } });
		const { message } = await run(alice);
		expect(message.usage).toMatchObject({ input: 904, output: 42, cacheRead: 4096, totalTokens: 5042 });
	});

	it("still works with transport auto: the refused WebSocket falls back to SSE", async () => {
		const { message } = await run(bob, { transport: "auto", sessionId: "sess-auto" });
		expect(message.stopReason).toBe("stop");
		expect(message.content).toMatchObject([{ type: "text", text: "Hello from acct-bob." }]);
		const mine = fake.requests.filter((e) => e.sessionId === "sess-auto");
		expect(mine.map((e) => [e.status, e.websocket ?? false])).toEqual([
			[426, true],
			[200, false],
		]);
	});
});

describe("errors as pi reports them", () => {
	it("a usage limit gives pi's friendly message", async () => {
		fake.setFault("acct-alice", { kind: "usage-limit", resetsInSeconds: 1800 });
		const { message, responses } = await run(alice);
		expect(message.stopReason).toBe("error");
		expect(message.errorMessage).toMatch(
			/^You have hit your ChatGPT usage limit \(plus plan\)\. Try again in ~30 min\./,
		);
		expect(responses[0]?.status).toBe(429);
		expect(responses[0]?.headers["x-codex-primary-used-percent"]).toBe("100");
	});

	it("an exhausted account (automatic) gives the same message", async () => {
		fake.setUsage("acct-bob", { secondary: { usedPercent: 100, resetsInSeconds: 7200 } });
		const { message } = await run(bob);
		expect(message.errorMessage).toMatch(/usage limit .*Try again in ~120 min/);
	});

	it("an expired token gives an error", async () => {
		fake.expireAccessTokens("acct-alice");
		const { message, responses } = await run(alice);
		expect(message.stopReason).toBe("error");
		expect(message.errorMessage).toContain("Provided authentication token is expired");
		expect(responses[0]?.status).toBe(401);
	});

	it("response.failed gives its message", async () => {
		fake.setFault("acct-alice", { kind: "response-failed", code: "server_error", message: "The model melted." });
		const { message } = await run(alice);
		expect(message.stopReason).toBe("error");
		expect(message.errorMessage).toContain("The model melted.");
	});

	it("an in-stream error event gives its message", async () => {
		fake.setFault("acct-alice", { kind: "error-event", code: "overloaded", message: "Try again later." });
		const { message } = await run(alice);
		expect(message.stopReason).toBe("error");
		expect(message.errorMessage).toContain("Try again later.");
	});

	it("a cut stream is an error, not a short answer", async () => {
		fake.setResponse({ text: "one two three four" });
		fake.setFault("acct-alice", { kind: "cut-mid-stream", afterDeltas: 2 });
		const { events, message } = await run(alice);
		expect(message.stopReason).toBe("error");
		expect(deltas(events, "text_delta")).toBe("one two ");
	});

	it("replaying one account's reasoning to another is rejected as undecryptable", async () => {
		fake.setResponse({ text: "First.", reasoning: true });
		const first = await run(alice, { reasoning: "low" });
		const followUp: Context = {
			...hello,
			messages: [...hello.messages, first.message, { role: "user", content: "And again", timestamp: Date.now() }],
		};
		const { message, responses } = await run(bob, { reasoning: "low" }, followUp);
		expect(responses[0]?.status).toBe(400);
		expect(message.stopReason).toBe("error");
		expect(message.errorMessage).toContain("could not be verified");
		const same = await run(alice, { reasoning: "low" }, followUp);
		expect(same.message.stopReason).toBe("stop");
	});
});
