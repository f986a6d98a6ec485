/**
 * Failover over pi-ai's WebSocket transport, where a service error arrives only as text
 * ("Codex error: …") with no status or headers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { classifyCodexErrorText } from "../../src/usage/codex-error-text.ts";
import {
	FAST_ACTOR,
	freshAccount,
	type Harness,
	responseAccounts,
	startHarness,
	TEST_MODEL_ID,
} from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let harness: Harness | undefined;
afterEach(async () => {
	await harness?.close();
	harness = undefined;
});

describe("failover over WebSocket", () => {
	it("moves a usage-limited request to B and cools A down until the reset its error event names", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }],
			transport: "websocket",
			// The production fallback: a guess would show as 15 minutes, the event's reset as 900 s.
			supervisor: { actor: { ...FAST_ACTOR, fallbackCooldownMs: 15 * 60_000 } },
		});
		const { fake, supervisor } = harness;
		fake.websocket = "serve";
		fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 600 });
		const before = Date.now();
		const result = await harness.ask("hi", { sessionId: "ws-1" });
		expect(result.message.stopReason).toBe("stop");
		expect(result.text).toBe("Hello from acct-b.");
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b"]);
		// Both went over the socket: no SSE fallback was needed.
		expect(fake.requests.filter((r) => r.route === "responses").every((r) => r.websocket)).toBe(true);
		// The wrapped error event carries the 429's body (resets_in_seconds): no guess, no poll needed.
		await eventually(() => expect(supervisor.actor("acct-a")!.snapshot.state).toBe("cooling-down"));
		const until = supervisor.actor("acct-a")!.snapshot.cooldownUntil!;
		expect(until).toBeGreaterThanOrEqual(before + 600_000 - 1000);
		expect(until).toBeLessThanOrEqual(Date.now() + 600_000 + 1000);
		await harness.ask("again", { sessionId: "ws-2" });
		expect(responseAccounts(fake).at(-1)).toBe("acct-b");
	});

	it("fails over on an overloaded server and refreshes on an expired token, as over SSE", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }, { accountId: "acct-c" }],
			transport: "websocket",
		});
		const { fake } = harness;
		fake.websocket = "serve";
		fake.setFault("acct-a", { kind: "server-error", status: 503 });
		const first = await harness.ask("hi", { sessionId: "ws-3" });
		expect(first.message.stopReason).toBe("stop");
		expect(first.text).not.toBe("Hello from acct-a.");
		const served = responseAccounts(fake).at(-1)!;
		// Same session, same socket, but the token expired meanwhile: refresh, then the same account.
		fake.expireAccessTokens(served);
		const second = await harness.ask("again", { sessionId: "ws-3" });
		expect(second.text).toBe(`Hello from ${served}.`);
		expect(fake.tokenCallCount(served)).toBe(1);
	});
});

describe("refusals over WebSocket are classified as over SSE", () => {
	// The service sends what SSE answers with an HTTP status as one wrapped `error` event (status,
	// error, headers); pi-ai's text keeps only the message, so the dispatcher reads the event itself.
	it.each([
		{ transport: "websocket", fault: { kind: "deactivated-workspace" }, reason: "workspace deactivated" },
		{ transport: "auto", fault: { kind: "deactivated-workspace" }, reason: "workspace deactivated" },
		{ transport: "websocket", fault: { kind: "usage-not-included" }, reason: "plan has no Codex" },
	] as const)(
		"$transport, $reason: fails over and marks the account in the pool",
		async ({ transport, fault, reason }) => {
			harness = await startHarness({ accounts: [freshAccount("acct-a"), freshAccount("acct-b")], transport });
			const { fake, supervisor } = harness;
			fake.websocket = "serve";
			fake.setFault("acct-a", fault);
			const failovers: { reason: string }[] = [];
			supervisor.on("failover", (event) => failovers.push(event));
			const result = await harness.ask("hello", { sessionId: `ws-${transport}-${fault.kind}` });
			expect(result.text).toBe("Hello from acct-b.");
			expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b"]);
			expect(fake.requests.filter((r) => r.route === "responses").every((r) => r.websocket)).toBe(true);
			expect(failovers).toEqual([expect.objectContaining({ reason })]);
			// The account's own state and reason, for hours (not the 15-minute guess of an unknown error).
			await eventually(async () => {
				const shared = (await harness!.store.read()).state["acct-a"];
				expect(shared?.cooldownReason).toBe(reason);
				expect(shared?.cooldownUntil).toBeGreaterThan(Date.now() + 60 * 60_000);
			});
			await harness.ask("again", { sessionId: `ws-${transport}-${fault.kind}-2` });
			expect(responseAccounts(fake).at(-1)).toBe("acct-b");
			expect(responseAccounts(fake)).toHaveLength(3);
		},
	);

	it("a model the plan refuses is remembered per (account, model), the account stays routable", async () => {
		harness = await startHarness({
			accounts: [freshAccount("acct-free"), freshAccount("acct-plus")],
			transport: "websocket",
		});
		const { fake } = harness;
		fake.websocket = "serve";
		fake.setFault("acct-free", { kind: "model-not-supported" });
		expect((await harness.ask("hello", { sessionId: "ws-m1" })).text).toBe("Hello from acct-plus.");
		await harness.ask("again", { sessionId: "ws-m2" });
		expect(responseAccounts(fake)).toEqual(["acct-free", "acct-plus", "acct-plus"]);
		await harness.supervisor.flushLearnt();
		const shared = (await harness.store.read()).state["acct-free"];
		expect(shared?.cooldownUntil).toBeUndefined();
		expect(Object.keys(shared?.modelRefusals ?? {})).toEqual([TEST_MODEL_ID]);
	});
});

describe("classifyCodexErrorText", () => {
	const now = 1_000_000;
	it.each([
		["Codex error: The usage limit has been reached", { kind: "exhausted", code: "usage_limit_reached" }],
		[
			"Codex error: Rate limit reached. Please try again in 7s.",
			{ kind: "exhausted", code: "rate_limit_exceeded", resetsAt: now + 7000 },
		],
		[
			"Codex error: The encrypted content gAAAA could not be verified. Reason: x",
			{ kind: "foreign-reasoning", code: "invalid_encrypted_content" },
		],
		["Codex error: Provided authentication token is expired. Please try signing in again.", { kind: "unauthorized" }],
		["Codex error: Our servers are currently overloaded. Please try again later.", undefined],
		["WebSocket closed 1006", undefined],
	])("%s", (text, expected) => {
		expect(classifyCodexErrorText(text, now)).toEqual(expected);
	});
});
