/**
 * Several pi processes share one store: real child processes, each with its own supervisor and
 * worker-thread actors, against one fake backend.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { type FakeCodex, startFakeCodex } from "../fake-codex/index.ts";
import { DispatchChild } from "../helpers/child-process.ts";
import { seedAccounts } from "../helpers/dispatch-harness.ts";

let fake: FakeCodex | undefined;
let home: string | undefined;
let children: DispatchChild[] = [];

afterEach(async () => {
	await Promise.all(children.map((c) => c.stop().catch(() => c.process.kill("SIGKILL"))));
	children = [];
	await fake?.close();
	if (home) await rm(home, { recursive: true, force: true });
});

async function setup(accounts: { accountId: string }[], edit?: Parameters<typeof seedAccounts>[2]["editRecord"]) {
	fake = await startFakeCodex();
	home = await mkdtemp(join(tmpdir(), "pi-dispatch-mp-"));
	await seedAccounts(new AccountStore({ home }), fake, { accounts, ...(edit ? { editRecord: edit } : {}) });
	const env = { CHILD_HOME: home, CHILD_BASE_URL: fake.baseUrl, CHILD_TOKEN_URL: fake.tokenUrl };
	return (count: number) => {
		const spawned = Array.from({ length: count }, () => new DispatchChild(env));
		children.push(...spawned);
		return spawned;
	};
}

describe("many pi processes, one account pool", () => {
	it("8 processes × 3 accounts refreshing at the same moment → one token call per account, no reuse", {
		timeout: 120_000,
	}, async () => {
		const spawn = await setup(
			[{ accountId: "acct-1" }, { accountId: "acct-2" }, { accountId: "acct-3" }],
			(record) => {
				// Inside every actor's refresh margin: each of the 24 actors wants to refresh at start.
				record.credentials.expiresAt = Date.now() + 10_000;
			},
		);
		const procs = spawn(8);
		// Barrier: every child has loaded and waits on stdin; then all start their actors together.
		await Promise.all(procs.map((p) => p.next((m) => m.type === "listening")));
		for (const p of procs) p.send({ cmd: "start" });
		await Promise.all(procs.map((p) => p.next((m) => m.type === "started")));
		for (const p of procs) p.send({ cmd: "ask", n: 1 });
		const answers = await Promise.all(procs.map((p) => p.next((m) => m.type === "asked")));
		for (const answer of answers) expect(answer.errors).toEqual([]);
		for (const id of ["acct-1", "acct-2", "acct-3"]) expect(fake!.tokenCallCount(id)).toBe(1);
		const tokenAnswers = fake!.requests.filter((r) => r.route === "token");
		expect(tokenAnswers.map((r) => r.status)).toEqual([200, 200, 200]);
		// Every process ended up with the one new token: nobody got a 401 afterwards.
		const unauthorized = fake!.requests.filter((r) => r.route === "responses" && r.status === 401);
		expect(unauthorized.map((r) => ({ ...r, body: undefined }))).toEqual([]);
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
});
