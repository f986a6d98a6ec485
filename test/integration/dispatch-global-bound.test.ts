/**
 * The global bound alone (no per-account bound, the default): Supervisor.schedule then uses one
 * p-queue. The fake holds the answers open (a test control), so what reaches the upstream while the
 * bound is full is seen at the fake itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeCodex, type FakeTokens, type RequestLogEntry, startFakeCodex } from "../fake-codex/index.ts";
import { type Harness, startHarness, toContext, until } from "../helpers/dispatch-harness.ts";
import { runPiAi } from "../helpers/pi-ai-run.ts";

let harness: Harness | undefined;
/** Another upstream, for clientRoundTrip. */
let witness: { fake: FakeCodex; tokens: FakeTokens };
beforeAll(async () => {
	const fake = await startFakeCodex();
	witness = { fake, tokens: fake.addAccount({ accountId: "witness" }) };
});
afterAll(() => witness.fake.close());
afterEach(async () => {
	await harness?.close();
	harness = undefined;
});

const BOUND = 2;

function responses(fake: FakeCodex): RequestLogEntry[] {
	return fake.requests.filter((r) => r.route === "responses");
}

/** Resolves once every one of these sessions has been routed (schedule() follows in the same turn). */
function whenRouted(harness: Harness, sessions: string[]): Promise<Map<string, string>> {
	const routed = new Map<string, string>();
	return new Promise((resolve) => {
		const onRouted = (sessionKey: string | undefined, accountId: string) => {
			if (sessionKey === undefined || !sessions.includes(sessionKey)) return;
			routed.set(sessionKey, accountId);
			if (routed.size < sessions.length) return;
			harness.supervisor.off("routed", onRouted);
			resolve(routed);
		};
		harness.supervisor.on("routed", onRouted);
	});
}

/**
 * One whole stream through pi-ai's Codex client to another fake, begun once the requests under test
 * were scheduled. A request that skipped the queue started the same client code earlier and only has
 * to arrive, so it is at the upstream by the time this one is answered (a head start on the same
 * path, not a timer; not a proof, hence the peak check over the whole run too). It cannot make a
 * correct run fail; it lets a broken one show.
 */
async function clientRoundTrip(): Promise<void> {
	const run = await runPiAi(witness.fake, witness.tokens, toContext("witness"), { transport: "sse" });
	expect(run.message.stopReason).toBe("stop");
}

describe("global bound, no per-account bound", () => {
	it("lets at most `global` requests reach the upstream at once, and serves the rest as earlier ones finish", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }],
			supervisor: { concurrency: { global: BOUND } },
		});
		const { fake } = harness;
		const hold = fake.holdResponses();
		const sessions = Array.from({ length: 6 }, (_, i) => `s${i}`);
		const routed = whenRouted(harness, sessions);
		const pending = sessions.map((sessionId) => harness!.ask(`prompt ${sessionId}`, { sessionId }));
		await routed;
		await until(() => responses(fake).length >= BOUND);
		await clientRoundTrip();
		// The bound is full of held answers: nothing else reached the upstream.
		expect(responses(fake)).toHaveLength(BOUND);
		expect(fake.openResponses().now).toBe(BOUND);

		hold.release();
		const results = await Promise.all(pending);
		for (const result of results) {
			expect(result.message.stopReason).toBe("stop");
			expect(result.text).toBe("Hello from acct-a.");
		}
		expect(responses(fake).map((r) => r.status)).toEqual(sessions.map(() => 200));
		expect(new Set(responses(fake).map((r) => r.sessionId))).toEqual(new Set(sessions));
		// Never more than the bound open at the upstream, over the whole run.
		expect(fake.openResponses().peak).toBe(BOUND);
	});

	it("ends a request aborted while it waits in the queue with an aborted error at once, and never sends it", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }],
			supervisor: { concurrency: { global: BOUND } },
		});
		const { fake } = harness;
		const hold = fake.holdResponses();
		const ahead = ["s0", "s1"].map((sessionId) => harness!.ask(`prompt ${sessionId}`, { sessionId }));
		await until(() => responses(fake).length >= BOUND);
		const controller = new AbortController();
		const routed = whenRouted(harness, ["waiting"]);
		const waiting = harness.ask("prompt waiting", { sessionId: "waiting", signal: controller.signal });
		await routed;
		await clientRoundTrip();
		controller.abort();

		// It ends while the two ahead of it still hold the bound: it did not wait for a slot.
		const aborted = await waiting;
		expect(fake.openResponses().now).toBe(BOUND);
		expect(aborted.events.at(-1)).toMatchObject({ type: "error", reason: "aborted" });
		expect(aborted.events.filter((e) => e.type === "text_delta")).toEqual([]);

		hold.release();
		for (const result of await Promise.all(ahead)) expect(result.message.stopReason).toBe("stop");
		// The queue is first in, first out: once a later request is served, nothing is left behind it.
		const after = await harness.ask("prompt after", { sessionId: "after" });
		expect(after.message.stopReason).toBe("stop");
		expect(
			responses(fake)
				.map((r) => r.sessionId)
				.sort(),
		).toEqual(["after", "s0", "s1"]);
		expect(JSON.stringify(responses(fake).map((r) => r.body))).not.toContain("prompt waiting");
	});

	it("makes a second account's streams wait behind the first's when the global bound is full", async () => {
		harness = await startHarness({
			accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }],
			supervisor: { concurrency: { global: BOUND } },
		});
		const { fake, supervisor } = harness;
		for (const sessionId of ["a0", "a1"]) supervisor.pin(sessionId, "acct-a");
		supervisor.pin("b0", "acct-b");
		const hold = fake.holdResponses();
		const toA = ["a0", "a1"].map((sessionId) => harness!.ask(`prompt ${sessionId}`, { sessionId }));
		await until(() => responses(fake).filter((r) => r.accountId === "acct-a").length >= BOUND);
		const routed = whenRouted(harness, ["b0"]);
		const toB = harness.ask("prompt b0", { sessionId: "b0" });
		expect((await routed).get("b0")).toBe("acct-b");
		await clientRoundTrip();
		// B has no bound of its own to fill, yet its stream waits: the one global bound is A's.
		expect(responses(fake)).toHaveLength(BOUND);
		expect(fake.openResponses().now).toBe(BOUND);

		hold.release();
		for (const result of await Promise.all(toA)) expect(result.text).toBe("Hello from acct-a.");
		expect((await toB).text).toBe("Hello from acct-b.");
		expect(responses(fake).map((r) => [r.accountId, r.status])).toEqual([
			["acct-a", 200],
			["acct-a", 200],
			["acct-b", 200],
		]);
		expect(fake.openResponses().peak).toBe(BOUND);
	});
});
