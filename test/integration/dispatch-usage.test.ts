/**
 * What the service says about usage, and what pi-dispatch does with it: credits, windows known by
 * their length, per-model limits. Through pi-ai's client against the fake (see its README for sources).
 */
import { afterEach, describe, expect, it } from "vitest";
import { FAST_ACTOR, type Harness, responseAccounts, startHarness, usedAccount } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let harness: Harness | undefined;
afterEach(async () => {
	await harness?.close();
	harness = undefined;
});

/** A Free plan: its only window is the weekly one, sent as primary; the secondary slot comes empty. */
const freeAccount = (accountId: string, weekly: number, weeklyResetHours: number, minutes = 10_080) => ({
	accountId,
	plan: "free",
	primary: { usedPercent: weekly, windowMinutes: minutes, resetsInSeconds: weeklyResetHours * 3600 },
	secondary: null,
});

describe("credits", () => {
	it("an account at 100% with credits serves when no account has plan quota left", async () => {
		harness = await startHarness({
			accounts: [
				{ ...freeAccount("acct-credits", 100, 24, 43_200), credits: { hasCredits: true, balance: "12.40" } },
				usedAccount("acct-spent", 100, 48),
			],
		});
		const result = await harness.ask("hi");
		expect(result.message.stopReason).toBe("stop");
		expect(result.text).toBe("Hello from acct-credits.");
		// Served on credits: no cooldown from the full window seen in the success headers.
		expect(harness.supervisor.actor("acct-credits")!.snapshot.cooldownUntil).toBeUndefined();
		const again = await harness.ask("again");
		expect(again.text).toBe("Hello from acct-credits.");
	});

	it("plan quota is used before credits; credits take over once it is spent", async () => {
		harness = await startHarness({
			accounts: [
				{ ...usedAccount("acct-credits", 100, 1), credits: { hasCredits: false, unlimited: true } },
				{ ...usedAccount("acct-quota", 95, 100), percentPerRequest: 5 },
			],
		});
		expect((await harness.ask("one")).text).toBe("Hello from acct-quota.");
		// acct-quota's weekly window is now full (the fake charged it): the next request moves to credits.
		const second = await harness.ask("two", { sessionId: "s1" });
		expect(second.text).toBe("Hello from acct-credits.");
		expect(responseAccounts(harness.fake)).toEqual(["acct-quota", "acct-quota", "acct-credits"]);
	});

	it("PI_DISPATCH_CREDITS=never: no credits are spent, the user hears quota is out", async () => {
		harness = await startHarness({
			accounts: [{ ...usedAccount("acct-credits", 100, 1), credits: { hasCredits: true, balance: "3" } }],
			supervisor: { credits: "never" },
		});
		const result = await harness.ask("hi");
		expect(result.message.stopReason).toBe("error");
		expect(result.message.errorMessage).toMatch(/exhausted|quota/i);
		expect(responseAccounts(harness.fake)).toEqual([]);
	});

	it("credits that run out: only the service's 429 cools the account down", async () => {
		harness = await startHarness({
			accounts: [
				{ ...usedAccount("acct-credits", 100, 1), credits: { hasCredits: true } },
				usedAccount("acct-spent", 100, 48),
			],
		});
		expect((await harness.ask("hi")).text).toBe("Hello from acct-credits.");
		harness.fake.setCredits("acct-credits", { hasCredits: false });
		const result = await harness.ask("again");
		expect(result.message.stopReason).toBe("error");
		expect(result.message.errorMessage).toMatch(/exhausted|quota/i);
		expect(responseAccounts(harness.fake)).toEqual(["acct-credits", "acct-credits"]);
		await eventually(() =>
			expect(harness!.supervisor.actor("acct-credits")!.snapshot.cooldownUntil).toBeGreaterThan(Date.now()),
		);
	});
});

describe("windows known by their length", () => {
	it("a Free plan's weekly window at 99% is not 'resets now': the Plus account with room is chosen", async () => {
		harness = await startHarness({
			accounts: [freeAccount("acct-free", 99, 150), usedAccount("acct-plus", 30, 40)],
		});
		const free = harness.supervisor.actor("acct-free")!.snapshot.usage;
		expect(free?.secondary).toBeUndefined();
		expect(free?.primary?.windowMinutes).toBe(10_080);
		const result = await harness.ask("hi");
		expect(result.text).toBe("Hello from acct-plus.");
	});

	it("the soonest long-window reset wins, be it weekly or 30 days, primary or secondary", async () => {
		harness = await startHarness({
			accounts: [usedAccount("acct-week", 30, 40), freeAccount("acct-month", 30, 20, 43_200)],
		});
		expect((await harness.ask("hi")).text).toBe("Hello from acct-month.");
	});
});

describe("per-model limits", () => {
	const SPARK = "gpt-5.3-codex-spark";
	const sparkLimit = (usedPercent: number) => ({
		id: "codex_bengalfox",
		name: SPARK,
		models: [SPARK],
		primary: { usedPercent, windowMinutes: 300, resetsInSeconds: 3600 },
	});

	it("a 429 of a per-model limit cools that limit only: the account keeps serving other models", async () => {
		harness = await startHarness({
			accounts: [
				{ ...usedAccount("acct-a", 10, 1), limits: [sparkLimit(100)] },
				{ ...usedAccount("acct-b", 10, 100), limits: [sparkLimit(0)] },
			],
		});
		const spark = await harness.askModel(SPARK, "hi");
		expect(spark.text).toBe("Hello from acct-b.");
		expect(responseAccounts(harness.fake)).toEqual(["acct-a", "acct-b"]);
		// The default model still goes to acct-a (its weekly window resets soonest): no account-wide cooldown.
		const other = await harness.ask("hi");
		expect(other.text).toBe("Hello from acct-a.");
		const a = harness.supervisor.accounts().find((v) => v.id === "acct-a")!;
		expect(a.snapshot.cooldownUntil).toBeUndefined();
		expect(a.snapshot.limitCooldowns?.codex_bengalfox).toBeGreaterThan(Date.now());
		// The next spark request skips acct-a at once: the model → limit mapping was learnt.
		const again = await harness.askModel(SPARK, "again");
		expect(again.text).toBe("Hello from acct-b.");
		expect(responseAccounts(harness.fake)).toEqual(["acct-a", "acct-b", "acct-a", "acct-b"]);
		// Shared with other processes through the store.
		await harness.supervisor.flushLearnt();
		const { state } = await harness.store.read();
		expect(state["acct-a"]?.limitCooldowns?.codex_bengalfox).toBeGreaterThan(Date.now());
		// The model → limit mapping is the pool's: kept on the record of whichever answer named it first.
		expect(Object.values(state).map((shared) => shared.limitModels?.[SPARK])).toContain("codex_bengalfox");
	});
});

describe("long cooldowns", () => {
	it("a bench of days is re-checked through the poll lease; usage with room ends it early", async () => {
		harness = await startHarness({
			accounts: [usedAccount("acct-a", 10, 1), usedAccount("acct-b", 10, 100)],
			supervisor: { actor: { ...FAST_ACTOR, usageTtlMs: 1 }, activation: { benchRecheckMs: 0, pollLeaseMs: 1 } },
		});
		const { fake, supervisor } = harness;
		fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 2 * 86_400 }, { times: 1 });
		expect((await harness.ask("hi")).text).toBe("Hello from acct-b.");
		await eventually(async () =>
			expect((await harness!.store.read()).state["acct-a"]?.cooldownUntil).toBeGreaterThan(Date.now() + 86_400_000),
		);
		// An actor answers a poll with the usage an answer's headers showed while that is fresher than
		// usageTtlMs (1 ms here), without a call: the re-check must come after the actor has the 429's
		// headers and past that millisecond (a loaded machine delivered both within it, 1 run in 10).
		await eventually(() => expect(supervisor.actor("acct-a")?.snapshot.usage?.primary?.usedPercent).toBe(100));
		await new Promise((resolve) => setTimeout(resolve, 10));
		// The service reset early: the re-check (one poll, leased) sees room and ends the bench everywhere.
		expect(await supervisor.refreshUsage(0)).toContain("acct-a");
		await eventually(async () => {
			expect(supervisor.accounts().find((v) => v.id === "acct-a")?.snapshot.cooldownUntil).toBeUndefined();
			expect((await harness!.store.read()).state["acct-a"]?.cooldownUntil).toBeUndefined();
		});
		expect((await harness.ask("again")).text).toBe("Hello from acct-a.");
	});
});

describe("the end of a cooldown", () => {
	it("one process probes the account; the others route elsewhere, or wait, until the probe is settled", async () => {
		harness = await startHarness({
			accounts: [usedAccount("acct-a", 10, 1), usedAccount("acct-b", 10, 100)],
			supervisor: { activation: { probeLeaseMs: 30_000 } },
		});
		const { store, supervisor, fake } = harness;
		// acct-a's cooldown ended a moment ago, and another process holds its probe lease.
		const now = Date.now();
		await store.update((data) => {
			data.state["acct-a"] = {
				...data.state["acct-a"],
				probeDue: now - 1,
				probeLease: { owner: "another-process", until: now + 60_000 },
			};
		});
		await eventually(() => expect(supervisor.choose(undefined, new Set())?.id).toBe("acct-b"));
		expect((await harness.ask("hi")).text).toBe("Hello from acct-b.");
		// The other process's probe succeeded: acct-a (its week resets sooner) is routed to again.
		await store.update((data) => {
			const { probeDue: _due, probeLease: _lease, ...rest } = data.state["acct-a"]!;
			data.state["acct-a"] = rest;
		});
		await eventually(() => expect(supervisor.choose(undefined, new Set())?.id).toBe("acct-a"));
		expect((await harness.ask("again")).text).toBe("Hello from acct-a.");
		expect(responseAccounts(fake)).toEqual(["acct-b", "acct-a"]);
	});

	it("with no lease held, the first request takes it, and its success ends the probation in the store", async () => {
		harness = await startHarness({ accounts: [usedAccount("acct-a", 10, 1)] });
		const { store } = harness;
		await store.update((data) => {
			data.state["acct-a"] = { ...data.state["acct-a"], probeDue: Date.now() - 1 };
		});
		await eventually(async () => expect((await store.read()).state["acct-a"]?.probeDue).toBeDefined());
		expect((await harness.ask("hi")).text).toBe("Hello from acct-a.");
		await eventually(async () => {
			const state = (await store.read()).state["acct-a"];
			expect(state?.probeDue).toBeUndefined();
			expect(state?.probeLease).toBeUndefined();
		});
	});
});
