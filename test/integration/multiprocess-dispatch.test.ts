/**
 * Several pi processes share one store: real child processes, each with its own supervisor and
 * (dormant until needed) worker-thread actors, against one fake backend.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import type { ActivationOptions } from "../../src/supervisor/supervisor-options.ts";
import { mergeSharedState } from "../../src/usage/shared-state-merge.ts";
import { type FakeCodex, startFakeCodex } from "../fake-codex/index.ts";
import { DispatchChild } from "../helpers/child-process.ts";
import { seedAccounts, usedAccount } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let fake: FakeCodex | undefined;
let home: string | undefined;
let children: DispatchChild[] = [];
const FOUR = ["acct-1", "acct-2", "acct-3", "acct-4"].map((accountId) => ({ accountId }));

afterEach(async () => {
	await Promise.all(children.map((c) => c.stop().catch(() => c.process.kill("SIGKILL"))));
	children = [];
	await fake?.close();
	if (home) await rm(home, { recursive: true, force: true });
});

async function setup(
	accounts: { accountId: string }[],
	edit?: Parameters<typeof seedAccounts>[2]["editRecord"],
	activation?: Partial<ActivationOptions>,
) {
	fake = await startFakeCodex();
	home = await mkdtemp(join(tmpdir(), "pi-dispatch-mp-"));
	await seedAccounts(new AccountStore({ home }), fake, { accounts, ...(edit ? { editRecord: edit } : {}) });
	const env = {
		CHILD_HOME: home,
		CHILD_BASE_URL: fake.baseUrl,
		CHILD_TOKEN_URL: fake.tokenUrl,
		...(activation ? { CHILD_ACTIVATION: JSON.stringify(activation) } : {}),
	};
	return (count: number) => {
		const spawned = Array.from({ length: count }, () => new DispatchChild(env));
		children.push(...spawned);
		return spawned;
	};
}

describe("many pi processes, one account pool", () => {
	it("8 processes × 3 dormant accounts whose tokens are due, asked at once → one token call per account, no reuse", {
		timeout: 120_000,
	}, async () => {
		const spawn = await setup(
			[{ accountId: "acct-1" }, { accountId: "acct-2" }, { accountId: "acct-3" }],
			(record) => {
				// Inside the refresh margin: the first request to each account needs its actor's refresh.
				record.credentials.expiresAt = Date.now() + 10_000;
			},
		);
		const procs = spawn(8);
		// Barrier: every child has loaded and waits on stdin; then all start together.
		await Promise.all(procs.map((p) => p.next((m) => m.type === "listening")));
		for (const p of procs) p.send({ cmd: "start" });
		await Promise.all(procs.map((p) => p.next((m) => m.type === "started")));
		// 24 requests at once, one per process and account: each activates its dormant actor to refresh.
		for (const p of procs) p.send({ cmd: "ask", accounts: ["acct-1", "acct-2", "acct-3"] });
		const answers = await Promise.all(procs.map((p) => p.next((m) => m.type === "asked")));
		for (const answer of answers) expect(answer.errors).toEqual([]);
		for (const id of ["acct-1", "acct-2", "acct-3"]) expect(fake!.tokenCallCount(id)).toBe(1);
		const tokenAnswers = fake!.requests.filter((r) => r.route === "token");
		expect(tokenAnswers.map((r) => r.status)).toEqual([200, 200, 200]);
		// Every process ended up with the one new token: nobody got a 401 afterwards.
		const unauthorized = fake!.requests.filter((r) => r.route === "responses" && r.status === 401);
		expect(unauthorized.map((r) => ({ ...r, body: undefined }))).toEqual([]);
	});

	it("16 processes starting together with every token expired → 0 failed requests, one refresh", {
		timeout: 180_000,
	}, async () => {
		const spawn = await setup(FOUR, (record) => {
			record.credentials.expiresAt = Date.now() - 60_000;
		});
		for (const { accountId } of FOUR) fake!.expireAccessTokens(accountId);
		const procs = spawn(16);
		await Promise.all(procs.map((p) => p.next((m) => m.type === "listening")));
		// Each process's first request arrives with its supervisor still starting.
		for (const p of procs) {
			p.send({ cmd: "start" });
			p.send({ cmd: "ask", n: 1 });
		}
		const answers = await Promise.all(procs.map((p) => p.next((m) => m.type === "asked")));
		for (const answer of answers) expect(answer.errors).toEqual([]);
		expect(answers.flatMap((a) => a.texts as string[])).toHaveLength(16);
		const tokenAnswers = fake!.requests.filter((r) => r.route === "token");
		expect(tokenAnswers.every((r) => r.status === 200)).toBe(true);
		for (const { accountId } of FOUR) expect(fake!.tokenCallCount(accountId)).toBeLessThanOrEqual(1);
		// One account served everyone here: one actor thread per process at most, the others dormant.
		for (const p of procs) p.send({ cmd: "threads" });
		const threads = await Promise.all(procs.map((p) => p.next((m) => m.type === "threads")));
		for (const t of threads) expect(t.threads).toBeLessThanOrEqual(1);
	});

	it("4 processes × 4 accounts with stale usage → one wham/usage poll per account in all", {
		timeout: 120_000,
	}, async () => {
		// Every process looks for stale usage at once and then often; one account per look each.
		const spawn = await setup(FOUR, undefined, { pollStartDelayMs: 0, pollTickMs: 50, pollsPerTick: 1 });
		const procs = spawn(4);
		await Promise.all(procs.map((p) => p.next((m) => m.type === "listening")));
		for (const p of procs) p.send({ cmd: "start" });
		const store = new AccountStore({ home: home! });
		await eventually(async () => {
			const { state } = await store.read();
			for (const { accountId } of FOUR) expect(state[accountId]?.usage?.source).toBe("poll");
		}, 60_000);
		// Every process has since looked again (twice) and found nothing due.
		const seen = procs.map((p) => p.messages.length);
		await Promise.all(
			procs.map((p, i) =>
				p.next(
					(m) =>
						m.type === "poll-tick" && p.messages.indexOf(m) >= seen[i]! && (m.polled as string[]).length === 0,
				),
			),
		);
		await Promise.all(
			procs.map((p, i) => {
				const after = p.messages.length;
				return p.next((m) => m.type === "poll-tick" && p.messages.indexOf(m) >= Math.max(after, seen[i]!));
			}),
		);
		for (const { accountId } of FOUR) {
			expect(fake!.requests.filter((r) => r.route === "usage" && r.accountId === accountId)).toHaveLength(1);
		}
	});

	it("after P1 gets a 429 on A, P2..P8 send A nothing", async () => {
		const spawn = await setup([{ accountId: "acct-a" }, { accountId: "acct-b" }]);
		fake!.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 3600 }, { times: 1 });
		const [p1, ...others] = spawn(8);
		for (const p of [p1!, ...others]) p.send({ cmd: "start" });
		await Promise.all([p1!, ...others].map((p) => p.next((m) => m.type === "started")));
		p1!.send({ cmd: "ask", n: 1 });
		const first = await p1!.next((m) => m.type === "asked");
		expect(first.texts).toEqual(["Hello from acct-b."]);
		// Each other process learns of A's cooldown from the shared store (file watch), not from A.
		await Promise.all(
			others.map((p) =>
				p.next((m) => m.type === "snapshot" && m.accountId === "acct-a" && m.state === "cooling-down"),
			),
		);
		for (const p of others) p.send({ cmd: "ask", n: 3 });
		const answers = await Promise.all(others.map((p) => p.next((m) => m.type === "asked")));
		for (const answer of answers) {
			expect(answer.errors).toEqual([]);
			expect(answer.texts).toEqual(["Hello from acct-b.", "Hello from acct-b.", "Hello from acct-b."]);
		}
		const toA = fake!.requests.filter((r) => r.route === "responses" && r.accountId === "acct-a");
		expect(toA).toHaveLength(1);
		expect(toA[0]!.status).toBe(429);
	});

	it("when a long cooldown ends, one request from one process reaches the account before the others pile on", async () => {
		// acct-a resets sooner, so every process prefers it the moment its cooldown is over.
		const spawn = await setup([usedAccount("acct-a", 10, 1), usedAccount("acct-b", 10, 100)]);
		const processes = spawn(4);
		for (const p of processes) p.send({ cmd: "start" });
		await Promise.all(processes.map((p) => p.next((m) => m.type === "started")));
		// A bench of hours, written as a process that met the 429 writes it (the merge marks its end
		// for a probe), ending a few seconds from now.
		const end = Date.now() + 4000;
		const store = new AccountStore({ home: home! });
		await store.update((data) => {
			const patch = { cooldownUntil: end, cooldownReason: "usage_limit_reached" };
			data.state["acct-a"] = mergeSharedState(data.state["acct-a"], patch, end - 5 * 60 * 60_000);
		});
		expect((await store.read()).state["acct-a"]?.probeDue).toBe(end);
		store.close();
		await Promise.all(
			processes.map((p) =>
				p.next((m) => m.type === "snapshot" && m.accountId === "acct-a" && m.state === "cooling-down"),
			),
		);
		// The service still refuses acct-a once (its quota is not back yet): whatever reaches it first
		// brings the cooldown back, so every request after the probe belongs on acct-b.
		fake!.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 3600 }, { times: 1 });
		for (const p of processes) p.send({ cmd: "loop" });
		await eventually(
			() => expect(fake!.requests.some((r) => r.accountId === "acct-a" && r.status === 429)).toBe(true),
			60_000,
		);
		// Every process goes on asking after the probe's answer: three more answers each, all served.
		const seen = processes.map((p) => p.messages.length);
		await Promise.all(
			processes.map((p, i) =>
				eventually(
					() =>
						expect(
							p.messages.slice(seen[i]).filter((m) => m.type === "answer" && m.ok === true).length,
						).toBeGreaterThanOrEqual(3),
					60_000,
				),
			),
		);
		expect(processes.flatMap((p) => p.messages.filter((m) => m.type === "answer" && m.ok !== true))).toEqual([]);
		const toA = fake!.requests.filter((r) => r.route === "responses" && r.accountId === "acct-a");
		expect(toA.map((r) => r.status)).toEqual([429]);
	}, 120_000);
});
