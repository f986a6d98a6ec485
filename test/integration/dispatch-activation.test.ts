/**
 * Virtual actors: an account's actor thread exists only while the account needs it. Threads are
 * counted (piscina's pool per account), requests and polls are counted at the fake backend.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FAST_ACTOR, type Harness, responseAccounts, startHarness } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let harness: Harness | undefined;
afterEach(async () => {
	await harness?.close();
	harness = undefined;
});

const ids = (n: number) => Array.from({ length: n }, (_, i) => `acct-${String(i + 1).padStart(2, "0")}`);

describe("actors cost nothing until needed", () => {
	it("a pool of 16 accounts serves the first request while 15 actors never start", async () => {
		harness = await startHarness({ accounts: ids(16).map((accountId) => ({ accountId })), pollUsageFirst: false });
		const { fake, supervisor } = harness;
		expect(supervisor.activeThreads()).toBe(0);
		const stream = harness.stream("hi");
		let threadsAtFirstEvent: number | undefined;
		for await (const event of stream)
			threadsAtFirstEvent ??= event.type === "start" ? supervisor.activeThreads() : undefined;
		expect((await stream.result()).stopReason).toBe("stop");
		// Served from the store's token: no actor thread was needed to send it.
		expect(threadsAtFirstEvent).toBe(0);
		expect(responseAccounts(fake)).toEqual(["acct-01"]);
		// The account that served activates in the background to learn its response headers...
		await eventually(() => expect(supervisor.actor("acct-01")!.activation).toBe("active"));
		await eventually(() => expect(supervisor.actor("acct-01")!.snapshot.usage?.source).toBe("headers"));
		// ...and the 15 others never started a thread.
		expect(supervisor.activeThreads()).toBe(1);
		const started = supervisor.accounts().filter((a) => a.snapshot.activation !== "dormant");
		expect(started.map((a) => a.id)).toEqual(["acct-01"]);
		expect(fake.tokenCallCount()).toBe(0);
		expect(fake.requests.filter((r) => r.route === "usage")).toEqual([]);
	});

	it("a request to a dormant account whose token is due waits for its one refresh instead of failing", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }],
			pollUsageFirst: false,
			editRecord: (record) => {
				record.credentials.expiresAt = Date.now() - 1000;
			},
		});
		harness.fake.expireAccessTokens("acct-a");
		const results = await Promise.all([harness.ask("one"), harness.ask("two"), harness.ask("three")]);
		for (const result of results) expect(result.text).toBe("Hello from acct-a.");
		expect(harness.fake.tokenCallCount("acct-a")).toBe(1);
		expect(harness.supervisor.activeThreads()).toBe(1);
	});

	it("a token inside the refresh margin that still serves goes out at once; the actor refreshes it behind", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }],
			pollUsageFirst: false,
			// 30 s left: inside the 60 s margin, beyond a fifth of it.
			editRecord: (record) => {
				record.credentials.expiresAt = Date.now() + 30_000;
			},
		});
		const { fake, store, tokens } = harness;
		const results = await Promise.all([harness.ask("one"), harness.ask("two"), harness.ask("three")]);
		for (const result of results) expect(result.text).toBe("Hello from acct-a.");
		// The new tokens land in the store.
		await eventually(async () =>
			expect((await store.read()).accounts[0]!.credentials.access).not.toBe(tokens.get("acct-a")!.access),
		);
		expect(fake.tokenCallCount("acct-a")).toBe(1);
		// The requests went out with the old token before the refresh (which needed the actor's thread).
		const routes = fake.requests.map((r) => r.route);
		expect(routes.slice(0, routes.indexOf("token"))).toEqual(["responses", "responses", "responses"]);
		expect((await harness.ask("four")).text).toBe("Hello from acct-a.");
		expect(fake.tokenCallCount("acct-a")).toBe(1);
	});

	it("a dormant account's cooldown ends on time and it is chosen again, its actor never running meanwhile", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }],
			pollUsageFirst: false,
		});
		const { fake, store, supervisor } = harness;
		// Another process found A exhausted until shortly from now.
		const until = Date.now() + 1500;
		await store.update((data) => {
			data.state["acct-a"] = { cooldownUntil: until, cooldownReason: "usage_limit_reached" };
		});
		await supervisor.reload();
		const activationsOfA: string[] = [];
		supervisor.on("snapshot", (s) => s.accountId === "acct-a" && activationsOfA.push(s.activation));
		expect((await harness.ask("first", { sessionId: "s1" })).text).toBe("Hello from acct-b.");
		expect(supervisor.actor("acct-a")!.snapshot.state).toBe("cooling-down");
		await eventually(() => expect(Date.now()).toBeGreaterThan(until));
		// No timer, no poll, no actor: the routing compares the cooldown with the clock.
		expect(supervisor.actor("acct-a")!.snapshot.state).toBe("ready");
		expect(activationsOfA.filter((a) => a !== "dormant")).toEqual([]);
		expect(supervisor.actor("acct-a")!.threads).toBe(0);
		// Pinned: chosen only if it is available again (B, with usage known, would win otherwise).
		supervisor.pin("s2", "acct-a");
		expect((await harness.ask("second", { sessionId: "s2" })).text).toBe("Hello from acct-a.");
		expect(responseAccounts(fake)).toEqual(["acct-b", "acct-a"]);
		expect(fake.requests.filter((r) => r.route === "usage")).toEqual([]);
	});

	it("a dormant account's 429 activates its actor at once, while it still streams, to share the cooldown", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }],
			pollUsageFirst: false,
		});
		const { fake, store, supervisor } = harness;
		fake.setResponse({ text: "slow answer", interTokenDelayMs: 1500 });
		const first = harness.ask("first", { sessionId: "s1" });
		await eventually(() => expect(responseAccounts(fake)).toEqual(["acct-a"]));
		fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 1800 });
		const second = harness.ask("second", { sessionId: "s2" });
		// Other processes hear of A's cooldown without waiting for A's first stream to end.
		await eventually(async () =>
			expect((await store.read()).state["acct-a"]?.cooldownUntil).toBeGreaterThan(Date.now()),
		);
		expect(supervisor.actor("acct-a")!.snapshot.inFlight).toBe(1);
		expect((await first).text).toBe("slow answer");
		expect((await second).text).toBe("slow answer");
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-a", "acct-b"]);
	});

	it("stale shared usage is polled by the lease holder's actor, which then goes dormant again", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }],
			pollUsageFirst: false,
			supervisor: { activation: { pollStartDelayMs: 0, pollTickMs: 50, idleMs: 300 } },
		});
		const { fake, store, supervisor } = harness;
		const stale = Date.now() - 10 * 60_000;
		await store.update((data) => {
			data.state["acct-a"] = {
				usage: { observedAt: stale, source: "headers", primary: { usedPercent: 50, windowMinutes: 300 } },
			};
		});
		await eventually(async () => expect((await store.read()).state["acct-a"]?.usage?.source).toBe("poll"));
		expect(fake.requests.filter((r) => r.route === "usage")).toHaveLength(1);
		await eventually(() => expect(supervisor.activeThreads()).toBe(0));
		expect(fake.requests.filter((r) => r.route === "usage")).toHaveLength(1);
	});

	it("an idle actor deactivates, leaving what it learnt in the store", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }],
			pollUsageFirst: false,
			// Usage from headers is written at most every 10 min here: only the deactivation flush can share it.
			supervisor: { actor: { ...FAST_ACTOR, usagePersistMs: 600_000 }, activation: { idleMs: 300 } },
		});
		const { supervisor, store } = harness;
		const actor = supervisor.actor("acct-a")!;
		await harness.ask("one");
		await eventually(() => expect(actor.snapshot.usage?.source).toBe("headers"));
		const askedAt = Date.now();
		await harness.ask("two");
		await eventually(() => expect(actor.snapshot.usage?.observedAt).toBeGreaterThanOrEqual(askedAt));
		await eventually(() => expect(actor.activation).toBe("dormant"));
		// The thread ends once its store writes have landed.
		await eventually(() => expect(supervisor.activeThreads()).toBe(0));
		const stored = (await store.read()).state["acct-a"]?.usage;
		expect(stored?.observedAt).toBeGreaterThanOrEqual(askedAt);
		// Dormant again, it still serves at once from the store's token.
		expect((await harness.ask("three")).text).toBe("Hello from acct-a.");
	});

	it("a pi -p (answer, then quit) on a pool of 16 never starts a thread", async () => {
		harness = await startHarness({ accounts: ids(16).map((accountId) => ({ accountId })), pollUsageFirst: false });
		const { supervisor } = harness;
		const activations: string[] = [];
		supervisor.on("snapshot", (s) => s.activation !== "dormant" && activations.push(s.accountId));
		expect((await harness.ask("say hi")).text).toBe("Hello from acct-01.");
		await harness.runtime.stop();
		expect(activations).toEqual([]);
		expect(supervisor.activeThreads()).toBe(0);
		// What the answer's headers showed reached the store anyway: the next process starts from it.
		const stored = (await supervisor.store.read()).state["acct-01"]?.usage;
		expect(stored?.source).toBe("headers");
	});

	it("stopping a dormant pool ends no thread, and stopping an active one leaves none", async () => {
		harness = await startHarness({ accounts: ids(4).map((accountId) => ({ accountId })), pollUsageFirst: false });
		const { supervisor } = harness;
		await supervisor.actor("acct-02")!.activate();
		expect(supervisor.activeThreads()).toBe(1);
		await harness.runtime.stop();
		expect(supervisor.activeThreads()).toBe(0);
	});
});

describe("crashes and in-flight counts", () => {
	it("counts streams in flight itself: right after a crash, and back to 0 when they end", async () => {
		harness = await startHarness({ accounts: [{ accountId: "acct-a" }] });
		const { fake, supervisor } = harness;
		const actor = supervisor.actor("acct-a")!;
		const firstThread = actor.snapshot.threadId;
		fake.setResponse({ text: "a b c d e f", interTokenDelayMs: 60 });
		const pending = Array.from({ length: 6 }, (_, i) => harness!.ask(`q${i}`));
		await eventually(() => expect(fake.requests.filter((r) => r.route === "responses")).toHaveLength(6));
		expect(actor.snapshot.inFlight).toBe(6);
		const crashed = new Promise((resolve) => supervisor.once("actor-crashed", resolve));
		await actor.killThread();
		await crashed;
		expect(actor.snapshot.inFlight).toBe(6);
		const results = await Promise.all(pending);
		for (const result of results) expect(result.text).toBe("a b c d e f");
		expect(actor.snapshot.inFlight).toBe(0);
		await eventually(() => expect(actor.snapshot.state).toBe("ready"));
		expect(actor.snapshot.threadId).not.toBe(firstThread);
		expect(actor.snapshot.restarts).toBe(1);
	});

	it("a thread that dies while activating is started again; requests meanwhile are unaffected", async () => {
		harness = await startHarness({ accounts: [{ accountId: "acct-a" }], pollUsageFirst: false });
		const { supervisor } = harness;
		const actor = supervisor.actor("acct-a")!;
		const activating = actor.activate();
		await eventually(() => expect(actor.threads).toBe(1));
		const firstThreadId = actor.snapshot.threadId;
		await actor.killThread();
		const during = harness.ask("during");
		await activating;
		expect(actor.activation).toBe("active");
		expect((await during).text).toBe("Hello from acct-a.");
		await eventually(() => expect(actor.snapshot.threadId).toBeGreaterThan(0));
		if (firstThreadId !== undefined) expect(actor.snapshot.threadId).not.toBe(firstThreadId);
		await expect(actor.lease("rejected-token")).resolves.toMatchObject({ access: expect.any(String) });
		expect(supervisor.activeThreads()).toBe(1);
	});
});
