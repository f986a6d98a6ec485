/**
 * Failover over pi-ai's WebSocket transport, where a service error arrives only as text
 * ("Codex error: …") with no status or headers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { classifyCodexErrorText } from "../../src/usage/codex-error-text.ts";
import { FAST_ACTOR, type Harness, responseAccounts, startHarness } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let harness: Harness | undefined;
afterEach(async () => {
	await harness?.close();
	harness = undefined;
});

describe("failover over WebSocket", () => {
	it("moves a usage-limited request to B, cools A down, and asks A's usage endpoint for the real reset", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }],
			transport: "websocket",
			// The production fallback, so the shortened recheck below is visible.
			supervisor: { actor: { ...FAST_ACTOR, fallbackCooldownMs: 15 * 60_000 } },
		});
		const { fake, supervisor } = harness;
		fake.websocket = "serve";
		fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 900 });
		const polls = fake.requests.filter((r) => r.route === "usage" && r.accountId === "acct-a").length;
		const result = await harness.ask("hi", { sessionId: "ws-1" });
		expect(result.message.stopReason).toBe("stop");
		expect(result.text).toBe("Hello from acct-b.");
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b"]);
		// Both went over the socket: no SSE fallback was needed.
		expect(fake.requests.filter((r) => r.route === "responses").every((r) => r.websocket)).toBe(true);
		await eventually(() => expect(supervisor.actor("acct-a")!.snapshot.state).toBe("cooling-down"));
		// No reset time in pi's WebSocket error text: the actor polls usage to learn more.
		await eventually(() =>
			expect(fake.requests.filter((r) => r.route === "usage" && r.accountId === "acct-a").length).toBeGreaterThan(
				polls,
			),
		);
		// The poll shows room (the fake's fault is not a real usage limit): retry A within a minute,
		// not after the whole 15-minute guess.
		await eventually(() =>
			expect(supervisor.actor("acct-a")!.snapshot.cooldownUntil).toBeLessThanOrEqual(Date.now() + 60_000),
		);
		expect(supervisor.actor("acct-a")!.snapshot.state).toBe("cooling-down");
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
