import type { Context } from "@earendil-works/pi-ai";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, responseAccounts, startHarness } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let harness: Harness | undefined;
afterEach(async () => {
	await harness?.close();
	harness = undefined;
});

const TEXT = "alpha beta gamma delta epsilon zeta eta theta";

describe("under load", () => {
	it("serves 50 concurrent streams over 3 accounts, one exhausting midway: each completes once, text intact", async () => {
		harness = await startHarness({
			accounts: [
				// random() = 0 picks the first untouched account, so A takes the first burst and runs dry.
				{ accountId: "acct-a", percentPerRequest: 10 },
				{ accountId: "acct-b" },
				{ accountId: "acct-c" },
			],
		});
		const { fake } = harness;
		fake.setResponse({ text: TEXT, interTokenDelayMs: 2 });
		const results = await Promise.all(
			Array.from({ length: 50 }, (_, i) => harness!.ask(`prompt ${i}`, { sessionId: `s${i}` })),
		);

		for (const result of results) {
			expect(result.message.stopReason).toBe("stop");
			expect(result.text).toBe(TEXT);
			const deltas = result.events.filter((e) => e.type === "text_delta").length;
			expect(deltas).toBe(TEXT.split(" ").length);
			expect(result.events.filter((e) => e.type === "start")).toHaveLength(1);
		}
		const served = fake.requests.filter((r) => r.route === "responses" && r.status === 200);
		expect(served).toHaveLength(50);
		const refused = fake.requests.filter((r) => r.route === "responses" && r.status === 429);
		// A ran dry: some requests met its 429 and moved on; the rest went elsewhere.
		expect(fake.usageOf("acct-a").secondary.usedPercent).toBe(100);
		expect(refused.every((r) => r.accountId === "acct-a")).toBe(true);
		await eventually(() => expect(harness!.supervisor.actor("acct-a")!.snapshot.state).toBe("cooling-down"));
	});

	it("restarts an actor killed while requests are queued, and serves them", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }],
			supervisor: { concurrency: { perAccount: 1 } },
		});
		const { fake, supervisor } = harness;
		const actor = supervisor.actor("acct-a")!;
		const firstThread = actor.snapshot.threadId;
		expect(firstThread).toBeGreaterThan(0);
		fake.setResponse({ text: "slow answer", firstByteDelayMs: 150 });
		const crashed = new Promise((resolve) => supervisor.once("actor-crashed", resolve));
		const pending = Array.from({ length: 3 }, (_, i) => harness!.ask(`q${i}`));
		await fake.waitForRequest((r) => r.route === "responses");
		// Kill the thread; the queued requests then need a fresh token, which only the new actor can give.
		await actor.killThread();
		await crashed;
		fake.expireAccessTokens("acct-a");
		const results = await Promise.all(pending);
		for (const result of results) expect(result.text).toBe("slow answer");
		await eventually(() => expect(actor.snapshot.state).toBe("ready"));
		expect(actor.snapshot.restarts).toBe(1);
		expect(actor.snapshot.threadId).not.toBe(firstThread);
		expect(fake.tokenCallCount("acct-a")).toBe(1);
	});

	it("keeps serving an account while its actor restarts, and the new actor learns what happened", async () => {
		harness = await startHarness({ accounts: [{ accountId: "acct-a" }] });
		const { supervisor } = harness;
		const actor = supervisor.actor("acct-a")!;
		const crashed = new Promise((resolve) => supervisor.once("actor-crashed", resolve));
		await actor.killThread();
		await crashed;
		const askedAt = Date.now();
		// The actor is down, but the token it handed out is still good: no waiting for the restart.
		const result = await harness.ask("while restarting");
		expect(result.text).toBe("Hello from acct-a.");
		await eventually(() => expect(actor.snapshot.state).toBe("ready"));
		// The response's rate-limit headers waited in the outbox and reached the new thread.
		await eventually(() => expect(actor.snapshot.usage?.observedAt).toBeGreaterThanOrEqual(askedAt));
		expect(actor.snapshot.usage?.source).toBe("headers");
	});

	it("gives up on an actor that keeps crashing, and routes around it", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }],
			supervisor: { restart: { intensity: 1, periodMs: 60_000, backoffMs: 5 } },
		});
		const { supervisor } = harness;
		const actor = supervisor.actor("acct-a")!;
		const gaveUp = new Promise((resolve) => supervisor.once("actor-gave-up", resolve));
		await actor.killThread();
		await eventually(() => expect(actor.snapshot.state).toBe("ready"));
		await actor.killThread();
		await gaveUp;
		expect(actor.snapshot.state).toBe("gave-up");
		const result = await harness.ask("hi");
		expect(result.text).toBe("Hello from acct-b.");
	});
});

describe("encrypted reasoning across accounts", () => {
	it("drops reasoning minted by A when the conversation moves to B", async () => {
		harness = await startHarness({ accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }] });
		const { fake } = harness;
		fake.setResponse({ text: "thought about it", reasoning: true });
		const first = await harness.ask("question", { sessionId: "s1" });
		expect(first.message.content.some((b) => b.type === "thinking" && b.thinkingSignature)).toBe(true);
		fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 600 });
		const context: Context = {
			systemPrompt: "test",
			messages: [
				{ role: "user", content: "question", timestamp: 1 },
				first.message,
				{ role: "user", content: "follow-up", timestamp: 2 },
			],
		};
		const second = await harness.ask(context, { sessionId: "s1" });
		expect(second.message.stopReason).toBe("stop");
		expect(responseAccounts(fake)).toEqual(["acct-a", "acct-a", "acct-b"]);
		const sentToB = fake.requests.filter((r) => r.route === "responses" && r.accountId === "acct-b").at(-1)!;
		const input = (sentToB.body as { input: { type: string }[] }).input;
		expect(input.filter((item) => item.type === "reasoning")).toEqual([]);
		// A's own replay still carried it (the filter only acts on a change of account).
		const sentToA = fake.requests.filter((r) => r.route === "responses" && r.accountId === "acct-a");
		expect(sentToA).toHaveLength(2);
	});

	it("resends without any encrypted reasoning when B refuses an item of unknown origin", async () => {
		harness = await startHarness({ accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }] });
		const { fake } = harness;
		fake.setResponse({ text: "thought about it", reasoning: true });
		const first = await harness.ask("question");
		// A fresh process: the dispatcher has no record of which account minted the reasoning.
		await harness.runtime.stop();
		const other = await startHarness({ accounts: [], fake });
		try {
			await other.store.update((data) => {
				data.accounts.push({
					id: "acct-b",
					label: "acct-b",
					credentials: { ...harness!.tokens.get("acct-b")! },
					addedAt: 0,
					updatedAt: 0,
				});
			});
			await other.supervisor.reload();
			const context: Context = {
				systemPrompt: "test",
				messages: [
					{ role: "user", content: "q", timestamp: 1 },
					first.message,
					{ role: "user", content: "f", timestamp: 2 },
				],
			};
			const second = await other.ask(context);
			expect(second.message.stopReason).toBe("stop");
			const toB = fake.requests.filter((r) => r.route === "responses" && r.accountId === "acct-b");
			expect(toB.map((r) => r.status)).toEqual([400, 200]);
		} finally {
			await other.close();
		}
	});
});
