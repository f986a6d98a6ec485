import { afterEach, describe, expect, it } from "vitest";
import { freshAccount, type Harness, responseAccounts, startHarness } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";
import { SHOWN_TIME } from "../helpers/shown-time.ts";

let harness: Harness | undefined;
afterEach(async () => {
	await harness?.close();
	harness = undefined;
});

const fresh = freshAccount;

describe("failover before the first token", () => {
	it("moves a usage-limited request from A to B with the text intact, and cools A down until its reset", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")] });
		const { fake, supervisor } = harness;
		fake.setResponse({ text: "The quick brown fox jumps over the lazy dog." });
		fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 1800 });
		const failovers: unknown[] = [];
		supervisor.on("failover", (event) => failovers.push(event));

		const before = Date.now();
		const result = await harness.ask("hello", { sessionId: "s1" });

		expect(result.message.stopReason).toBe("stop");
		expect(result.text).toBe("The quick brown fox jumps over the lazy dog.");
		// A was tried first (pinned order via random=0 among untouched), B served.
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b"]);
		expect(failovers).toEqual([
			expect.objectContaining({
				from: { id: "acct-a", label: "acct-a" },
				to: { id: "acct-b", label: "acct-b" },
				reason: "exhausted",
			}),
		]);
		await eventually(() => expect(supervisor.actor("acct-a")!.snapshot.state).toBe("cooling-down"));
		const until = supervisor.actor("acct-a")!.snapshot.cooldownUntil!;
		expect(until).toBeGreaterThanOrEqual(before + 1800_000 - 2000);
		expect(until).toBeLessThanOrEqual(Date.now() + 1800_000 + 2000);
		// The cooldown is in the shared store for other processes.
		await eventually(async () => expect((await harness!.store.read()).state["acct-a"]?.cooldownUntil).toBe(until));

		// The next request goes straight to B: nothing more is sent to A.
		await harness.ask("again", { sessionId: "s2" });
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b", "acct-b"]);
	});

	it("fails over on a 429 rate limit with retry-after, and on a 503, without waiting for backoff", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b"), fresh("acct-c")] });
		const { fake, supervisor } = harness;
		fake.setFault("acct-a", { kind: "rate-limit", retryAfterSeconds: 120 });
		fake.setFault("acct-b", { kind: "server-error", status: 503 });
		const result = await harness.ask("hi");
		expect(result.message.stopReason).toBe("stop");
		expect(result.text).toBe("Hello from acct-c.");
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b", "acct-c"]);
		await eventually(() => expect(supervisor.actor("acct-a")!.snapshot.state).toBe("cooling-down"));
		// A 503 is not a quota answer: B stays available.
		expect(supervisor.actor("acct-b")!.snapshot.state).toBe("ready");
	});

	it("reads a 429's answer once the next account has answered; meanwhile other requests here avoid that account", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")] });
		const { fake, supervisor } = harness;
		fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 1800 }, { times: 1 });
		const failovers: unknown[] = [];
		supervisor.on("failover", (event) => failovers.push(event));
		// The first request's answer from acct-b is held at its status line until released.
		let reachedB!: () => void;
		const atB = new Promise<void>((resolve) => {
			reachedB = resolve;
		});
		let releaseB!: () => void;
		const heldB = new Promise<void>((resolve) => {
			releaseB = resolve;
		});
		const holdingB: typeof fetch = async (input, init) => {
			const response = await fetch(input, init);
			if (new Headers(init?.headers).get("chatgpt-account-id") === "acct-b") {
				reachedB();
				await heldB;
			}
			return response;
		};
		const first = harness.ask("one", { sessionId: "s1", fetch: holdingB });
		await atB;
		// acct-a's 429 is not read yet (no notice), yet a new request goes to acct-b, not to acct-a
		// (whose one-off fault is spent: it would serve).
		expect(failovers).toEqual([]);
		expect((await harness.ask("two", { sessionId: "s2" })).text).toBe("Hello from acct-b.");
		releaseB();
		expect((await first).text).toBe("Hello from acct-b.");
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b", "acct-b"]);
		expect(failovers).toEqual([
			expect.objectContaining({ from: { id: "acct-a", label: "acct-a" }, reason: "exhausted" }),
		]);
	});

	it("still tells pi's onResponse hook about each answer, once, including the cut-short 429", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")] });
		harness.fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 60 });
		harness.fake.setFault("acct-b", { kind: "server-error", status: 500 }, { times: 1 });
		const seen: number[] = [];
		const result = await harness.ask("hi", { onResponse: (response) => void seen.push(response.status) });
		expect(result.message.stopReason).toBe("error");
		expect(seen).toEqual([429, 500]);
	});

	it("tells pi's onResponse hook once of an error answer pi-ai reads itself (a 403), and of the success after it", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")] });
		harness.fake.setFault("acct-a", { kind: "forbidden", body: "empty" }, { times: 1 });
		const seen: number[] = [];
		const result = await harness.ask("hi", { onResponse: (response) => void seen.push(response.status) });
		expect(result.text).toBe("Hello from acct-b.");
		expect(seen).toEqual([403, 200]);
	});

	it("fails over when the connection resets before headers", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")] });
		harness.fake.setFault("acct-a", { kind: "reset-before-headers" });
		const result = await harness.ask("hi");
		expect(result.text).toBe("Hello from acct-b.");
	});

	it("ends with one clear, non-retryable error naming every account when all are exhausted", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")], labels: ["work", "home"] });
		harness.fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 600 });
		harness.fake.setFault("acct-b", { kind: "usage-limit", resetsInSeconds: 3600 });
		const result = await harness.ask("hi");
		expect(result.message.stopReason).toBe("error");
		const text = result.message.errorMessage!;
		expect(text).toMatch(/quota exceeded/);
		expect(text).toContain("work: exhausted");
		expect(text).toContain("home: exhausted");
		expect(text).toMatch(new RegExp(`Earliest reset ${SHOWN_TIME}`));
		// Worded so pi's own auto-retry does not spin on it.
		const { isRetryableAssistantError } = await import("@earendil-works/pi-ai/compat");
		expect(isRetryableAssistantError(result.message)).toBe(false);
		// A second request sends nothing upstream at all.
		const count = harness.fake.requests.length;
		const again = await harness.ask("hi again");
		expect(again.message.stopReason).toBe("error");
		expect(harness.fake.requests.filter((r) => r.route === "responses").length).toBe(
			harness.fake.requests.slice(0, count).filter((r) => r.route === "responses").length,
		);
	});

	it("passes an error after content through in-band, naming the account, without failing over", async () => {
		harness = await startHarness({ accounts: [fresh("acct-a"), fresh("acct-b")], labels: ["first", "second"] });
		harness.fake.setResponse({ text: "one two three four five six" });
		harness.fake.setFault("acct-a", { kind: "cut-mid-stream", afterDeltas: 2 });
		const result = await harness.ask("hi");
		expect(result.message.stopReason).toBe("error");
		expect(result.message.errorMessage).toMatch(/^\[first\] /);
		expect(result.text.length).toBeGreaterThan(0);
		expect(responseAccounts(harness.fake)).toEqual(["acct-a"]);
	});
});

describe("no accounts", () => {
	it("tells the user to run /dispatch-login", async () => {
		harness = await startHarness({ accounts: [] });
		const result = await harness.ask("hi");
		expect(result.message.stopReason).toBe("error");
		expect(result.message.errorMessage).toMatch(/\/dispatch-login/);
	});
});
