import { afterEach, describe, expect, it } from "vitest";
import { renderStatusTable } from "../../src/commands/status-table.ts";
import type { CodexClient } from "../../src/dispatch/dispatcher.ts";
import type { SharedAccountState } from "../../src/store/account-record.ts";
import type { Fault } from "../fake-codex/index.ts";
import {
	freshAccount,
	type Harness,
	piCodexClient,
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

const fresh = freshAccount;

/** Two fresh accounts; acct-a (tried first) answers with `fault`, acct-b serves. */
async function servedByBAfter(fault: Fault): Promise<Harness> {
	const h = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")] });
	harness = h;
	h.fake.setFault("acct-a", fault);
	const result = await h.ask("hello");
	expect(result.text).toBe("Hello from acct-b.");
	return h;
}

/** What the pool holds about an account, once `check` passes on it. */
async function sharedEventually(h: Harness, id: string, check: (shared: SharedAccountState | undefined) => void) {
	await eventually(async () => check((await h.store.read()).state[id]));
}

/** A cooldown of `ms` from a moment between `before` and now. */
function expectCooldownFor(shared: SharedAccountState | undefined, before: number, ms: number): void {
	expect(shared?.cooldownUntil).toBeGreaterThanOrEqual(before + ms);
	expect(shared?.cooldownUntil).toBeLessThanOrEqual(Date.now() + ms);
}

function stateOf(h: Harness, label: string): string {
	const lines = renderStatusTable({
		accounts: h.supervisor.accounts(),
		session: {},
		now: Date.now(),
		file: "pool.db",
	});
	const at = lines.findIndex((line) => line.startsWith(`${label} `));
	if (at < 0) throw new Error(`no status row for ${label}`);
	// The row and its └ notes (a refusal's re-check time, refused models).
	const end = lines.findIndex((line, i) => i > at && !line.startsWith("  └ "));
	return lines.slice(at, end < 0 ? undefined : end).join("\n");
}

describe("account-level refusals move the request on", () => {
	it.each([
		{ fault: { kind: "deactivated-workspace" } as const, reason: "workspace deactivated" },
		{ fault: { kind: "usage-not-included" } as const, reason: "plan has no Codex" },
	])("$reason: fails over before the first token, and every process skips the account", async ({ fault, reason }) => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")] });
		const { fake, supervisor } = harness;
		fake.setFault("acct-a", fault);
		const failovers: { reason: string }[] = [];
		supervisor.on("failover", (event) => failovers.push(event));

		const result = await harness.ask("hello", { sessionId: "s1" });
		expect(result.message.stopReason).toBe("stop");
		expect(result.text).toBe("Hello from acct-b.");
		expect(failovers).toEqual([expect.objectContaining({ reason })]);
		// Stored in the pool with its reason, for a long while (hours, not the 15-minute guess).
		await eventually(async () => {
			const shared = (await harness!.store.read()).state["acct-a"];
			expect(shared?.cooldownReason).toBe(reason);
			expect(shared?.cooldownUntil).toBeGreaterThan(Date.now() + 60 * 60_000);
		});
		expect(stateOf(harness, "acct-a")).toContain(`${reason} (checked again`);
		await harness.ask("again", { sessionId: "s2" });
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b", "acct-b"]);
	});

	it("a 403 with an empty body moves on, and marks the account once another account serves", async () => {
		const h = await servedByBAfter({ kind: "forbidden", body: "empty" });
		await sharedEventually(h, "acct-a", (shared) => expect(shared?.cooldownReason).toBe("refused access (403)"));
	});

	it("a Cloudflare 403 on every account marks none of them (it is not about the account)", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")] });
		harness.fake.setFault("acct-a", { kind: "forbidden", body: "html" });
		harness.fake.setFault("acct-b", { kind: "forbidden", body: "html" });
		const result = await harness.ask("hello");
		expect(result.message.stopReason).toBe("error");
		expect(result.message.errorMessage).toContain("refused access (403)");
		expect(responseAccounts(harness.fake)).toEqual(["acct-a", "acct-b"]);
		await harness.supervisor.flushLearnt();
		const state = (await harness.store.read()).state;
		expect(state["acct-a"]?.cooldownUntil).toBeUndefined();
		expect(state["acct-b"]?.cooldownUntil).toBeUndefined();
	});

	it("a model the plan refuses goes to another account, is remembered per (account, model), and fails only when all refuse", async () => {
		harness = await startHarness({ accounts: [fresh("acct-free"), fresh("acct-plus")] });
		const { fake } = harness;
		fake.setFault("acct-free", { kind: "model-not-supported" });
		const first = await harness.ask("hello", { sessionId: "s1" });
		expect(first.text).toBe("Hello from acct-plus.");
		// Remembered: the next request (another session) does not ask acct-free again.
		await harness.ask("again", { sessionId: "s2" });
		expect(responseAccounts(fake)).toEqual(["acct-free", "acct-plus", "acct-plus"]);
		expect(stateOf(harness, "acct-free")).toContain(`model not on this plan: ${TEST_MODEL_ID}`);
		// The account itself is not cooled down (other models still go there); the pool holds the refusal.
		await harness.supervisor.flushLearnt();
		const shared = (await harness.store.read()).state["acct-free"];
		expect(shared?.cooldownUntil).toBeUndefined();
		expect(Object.keys(shared?.modelRefusals ?? {})).toEqual([TEST_MODEL_ID]);

		fake.setFault("acct-plus", { kind: "model-not-supported" });
		const refused = await harness.ask("once more", { sessionId: "s3" });
		expect(refused.message.stopReason).toBe("error");
		expect(refused.message.errorMessage).toContain(`acct-free: model not on this plan (${TEST_MODEL_ID})`);
		expect(refused.message.errorMessage).toContain(`acct-plus: model not on this plan (${TEST_MODEL_ID})`);
	});
});

describe("stream failures are classified by their code", () => {
	it.each(["context_length_exceeded", "invalid_prompt", "cyber_policy"])(
		"%s is about the request: fatal at once, never replayed on another account",
		async (code) => {
			harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")] });
			harness.fake.setFault("acct-a", { kind: "response-failed", code, message: "Refused." });
			const result = await harness.ask("hello");
			expect(result.message.stopReason).toBe("error");
			expect(result.message.errorMessage).toBe("[acct-a] Refused.");
			expect(responseAccounts(harness.fake)).toEqual(["acct-a"]);
		},
	);

	it("usage_not_included in the stream marks the account (plan has no Codex) and moves on", async () => {
		const h = await servedByBAfter({ kind: "response-failed", code: "usage_not_included", message: "Not included." });
		await sharedEventually(h, "acct-a", (shared) => expect(shared?.cooldownReason).toBe("plan has no Codex"));
	});

	/** A served first stream, then a `usage_not_included` stream on acct-a: read, and the request moves on. */
	async function codeReadAfterAFirstStream(client?: CodexClient): Promise<void> {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")], ...(client ? { client } : {}) });
		expect((await harness.ask("warm-up", { sessionId: "s1" })).text).toBe("Hello from acct-a.");
		harness.fake.setFault("acct-a", {
			kind: "response-failed",
			code: "usage_not_included",
			message: "Not included.",
		});
		expect((await harness.ask("hello", { sessionId: "s1" })).text).toBe("Hello from acct-b.");
		await sharedEventually(harness, "acct-a", (shared) => expect(shared?.cooldownReason).toBe("plan has no Codex"));
	}

	it("a failure code is still read once pi-ai's own events replace the byte scan (after the first stream)", () =>
		codeReadAfterAFirstStream());

	it("with a pi-ai that keeps SSE events to itself (0.87), the byte scan stays on for every stream", () =>
		codeReadAfterAFirstStream({
			...piCodexClient,
			streamSimple: (model, context, options) => {
				const { onProviderStreamEvent: _unused, ...rest } = options ?? {};
				return piCodexClient.streamSimple(model, context, rest);
			},
		}));

	it("rate_limit_exceeded in the stream cools the account down for the delay it names, not 15 minutes", async () => {
		const before = Date.now();
		const h = await servedByBAfter({
			kind: "response-failed",
			code: "rate_limit_exceeded",
			message: "Rate limit reached for gpt-5 on tokens per min. Please try again in 20s.",
		});
		await sharedEventually(h, "acct-a", (shared) => expectCooldownFor(shared, before, 20_000));
	});

	it("an HTTP 429 rate limit without retry-after takes the delay from its message", async () => {
		const before = Date.now();
		const h = await servedByBAfter({ kind: "rate-limit", retryAfterSeconds: 7, withoutRetryAfter: true });
		await sharedEventually(h, "acct-a", (shared) => expectCooldownFor(shared, before, 7000));
	});

	it("server_is_overloaded moves on without a cooldown", async () => {
		const h = await servedByBAfter({ kind: "response-failed", code: "server_is_overloaded", message: "Busy." });
		await h.supervisor.flushLearnt();
		expect((await h.store.read()).state["acct-a"]?.cooldownUntil).toBeUndefined();
	});

	it("invalid_encrypted_content with a null code resends without encrypted reasoning", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a")] });
		harness.fake.setFault(
			"acct-a",
			{
				kind: "response-failed",
				code: null,
				message: "The encrypted content gAAA...dQ== could not be verified.",
			},
			{ times: 1 },
		);
		const result = await harness.ask("hello");
		expect(result.text).toBe("Hello from acct-a.");
		expect(responseAccounts(harness.fake)).toEqual(["acct-a", "acct-a"]);
	});
});

describe("a stream cut after content", () => {
	it("names the account and why, and pi's retry of the turn goes to another account", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")] });
		const { fake } = harness;
		fake.setResponse({ text: "one two three four five" });
		fake.setFault("acct-a", { kind: "cut-mid-stream", afterDeltas: 2 });
		const cut = await harness.ask("hello", { sessionId: "s1" });
		expect(cut.message.stopReason).toBe("error");
		expect(cut.message.errorMessage).toMatch(
			/^\[acct-a\] stream broke off after content \(.+\); the next try avoids acct-a/,
		);
		await eventually(async () =>
			expect((await harness!.store.read()).state["acct-a"]?.degradedUntil).toBeGreaterThan(Date.now()),
		);
		// pi's auto-retry: same session (sticky to acct-a), yet it goes to acct-b.
		const retry = await harness.ask("hello", { sessionId: "s1" });
		expect(retry.text).toBe("one two three four five");
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b"]);
	});

	it("with a single account the retry still goes to it", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a")] });
		harness.fake.setFault("acct-a", { kind: "cut-mid-stream", afterDeltas: 1 }, { times: 1 });
		await harness.ask("hello");
		const retry = await harness.ask("hello");
		expect(retry.text).toBe("Hello from acct-a.");
	});
});
