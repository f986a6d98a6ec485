import { afterEach, describe, expect, it } from "vitest";
import { type Harness, responseAccounts, startHarness, usedAccount } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let harness: Harness | undefined;
afterEach(async () => {
	await harness?.close();
	harness = undefined;
});

describe("token refresh", () => {
	it("on a 401 refreshes the token and retries the same account", async () => {
		harness = await startHarness({ accounts: [usedAccount("acct-a", 10, 24), usedAccount("acct-b", 10, 48)] });
		const { fake, supervisor } = harness;
		fake.expireAccessTokens("acct-a");
		const result = await harness.ask("hi");
		expect(result.text).toBe("Hello from acct-a.");
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-a"]);
		expect(fake.tokenCallCount("acct-a")).toBe(1);
		// The rotated tokens were written to the store.
		const stored = (await harness.store.read()).accounts.find((a) => a.id === "acct-a")!;
		expect(stored.credentials.refresh).not.toBe(harness.tokens.get("acct-a")!.refresh);
		expect(supervisor.actor("acct-a")!.snapshot.state).toBe("ready");
	});

	it("refreshes proactively before expiry (inside the safety margin)", async () => {
		harness = await startHarness({
			accounts: [usedAccount("acct-a", 10, 24)],
			// Expires in 30 s, inside the test's 60 s margin.
			editRecord: (record) => {
				record.credentials.expiresAt = Date.now() + 30_000;
			},
		});
		await eventually(() => expect(harness!.fake.tokenCallCount("acct-a")).toBe(1));
		const result = await harness.ask("hi");
		expect(result.text).toBe("Hello from acct-a.");
		expect(harness.fake.tokenCallCount("acct-a")).toBe(1);
	});

	it("puts the actor in needs-login when the refresh token is rejected, and fails over", async () => {
		harness = await startHarness({ accounts: [usedAccount("acct-a", 10, 24), usedAccount("acct-b", 10, 48)] });
		const { fake, supervisor } = harness;
		fake.expireAccessTokens("acct-a");
		fake.token.fault = "invalid-grant";
		const result = await harness.ask("hi");
		expect(result.text).toBe("Hello from acct-b.");
		await eventually(() => expect(supervisor.actor("acct-a")!.snapshot.state).toBe("needs-login"));
		expect(supervisor.actor("acct-a")!.snapshot.lastError).toMatch(/refresh failed/);
		// No retry loop on a dead refresh token.
		expect(fake.tokenCallCount("acct-a")).toBe(1);
		await eventually(async () =>
			expect((await harness!.store.read()).accounts.find((a) => a.id === "acct-a")?.needsLogin).toBeDefined(),
		);
		// Status never carries a token.
		const json = JSON.stringify(supervisor.accounts());
		for (const t of harness.tokens.values()) {
			expect(json).not.toContain(t.access);
			expect(json).not.toContain(t.refresh);
		}
	});
});

describe("usage and cooldown", () => {
	it("marks an account exhausted from response headers alone, before any 429", async () => {
		// A's next request fills its weekly window, and (counted at admission) its headers say so.
		harness = await startHarness({
			accounts: [
				{ ...usedAccount("acct-a", 99, 1), percentPerRequest: 1, chargeAtAdmission: true },
				usedAccount("acct-b", 10, 100),
			],
		});
		const { fake, supervisor } = harness;
		const first = await harness.ask("hi");
		expect(first.text).toBe("Hello from acct-a.");
		await eventually(() => expect(supervisor.actor("acct-a")!.snapshot.state).toBe("cooling-down"));
		await harness.ask("again");
		// No request (and so no 429) ever reached A after its headers showed 100%.
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b"]);
		expect(fake.requests.some((r) => r.route === "responses" && r.status === 429)).toBe(false);
	});

	it("brings a cooled-down account back on its own when its timer fires", async () => {
		harness = await startHarness({ accounts: [usedAccount("acct-a", 10, 1), usedAccount("acct-b", 10, 100)] });
		const { fake, supervisor } = harness;
		fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 1 }, { times: 1 });
		const first = await harness.ask("hi");
		expect(first.text).toBe("Hello from acct-b.");
		const states: string[] = [];
		supervisor.on("snapshot", (s) => s.accountId === "acct-a" && states.push(s.state));
		// Routable again: the cooldown this process marked at the 429 and the actor's own have both ended.
		await eventually(() => expect(supervisor.findByLabel("acct-a")!.snapshot.state).toBe("ready"));
		const back = await harness.ask("again");
		expect(back.text).toBe("Hello from acct-a.");
		expect(states).toContain("ready");
	});

	it("polls wham/usage when the usage is stale and chooses by the weekly reset", async () => {
		harness = await startHarness({ accounts: [usedAccount("acct-a", 50, 100), usedAccount("acct-b", 50, 5)] });
		await eventually(() => {
			for (const view of harness!.supervisor.accounts()) expect(view.snapshot.usage?.source).toBe("poll");
		});
		const result = await harness.ask("hi");
		expect(result.text).toBe("Hello from acct-b.");
	});
});

describe("sessions", () => {
	it("keeps a session on its account (sticky) while it is healthy", async () => {
		harness = await startHarness({ accounts: [usedAccount("acct-a", 10, 100), usedAccount("acct-b", 10, 5)] });
		const { fake, supervisor } = harness;
		await eventually(() => expect(supervisor.accounts().every((a) => a.snapshot.usage)).toBe(true));
		supervisor.pin("s-pinned", "acct-a");
		await harness.ask("one", { sessionId: "s-pinned" });
		await harness.ask("two", { sessionId: "s-other" });
		await harness.ask("three", { sessionId: "s-pinned" });
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-b", "acct-a"]);
		// The pinned account becomes exhausted → the pin is cleared and the user told once.
		const cleared: string[] = [];
		supervisor.on("pin-cleared", (session, label) => cleared.push(`${session}:${label}`));
		fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 600 });
		const moved = await harness.ask("four", { sessionId: "s-pinned" });
		expect(moved.text).toBe("Hello from acct-b.");
		expect(cleared).toEqual(["s-pinned:acct-a"]);
		expect(supervisor.pinnedAccount("s-pinned")).toBeUndefined();
		// Now sticky on B.
		await harness.ask("five", { sessionId: "s-pinned" });
		expect(responseAccounts(fake).at(-1)).toBe("acct-b");
	});

	it("abort from pi cancels the upstream request", async () => {
		harness = await startHarness({ accounts: [usedAccount("acct-a", 10, 10)] });
		const { fake } = harness;
		fake.setResponse({ text: "a b c d e f g h", interTokenDelayMs: 200 });
		const controller = new AbortController();
		const stream = harness.stream("hi", { signal: controller.signal });
		let deltas = 0;
		let last: string | undefined;
		for await (const event of stream) {
			last = event.type;
			if (event.type === "text_delta" && ++deltas === 1) controller.abort();
		}
		expect(last).toBe("error");
		expect((await stream.result()).stopReason).toBe("aborted");
		// The fake saw its client go away before the stream's end.
		const entry = await fake.waitForRequest((r) => r.route === "responses" && r.clientClosed === true);
		expect(entry.accountId).toBe("acct-a");
		expect(responseAccounts(fake)).toEqual(["acct-a"]);
	});
});
