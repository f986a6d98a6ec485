/**
 * One pool across machines on a real Redis: each "machine" is a set of real pi processes
 * (supervisor + worker-thread actors) with its own state folder, all on one redis-server started
 * here on a free port with its append-only file on, against one fake backend.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PoolStore } from "../../src/store/pool-store.ts";
import { RedisPoolStore } from "../../src/store/redis/redis-store.ts";
import { type FakeCodex, startFakeCodex } from "../fake-codex/index.ts";
import { DispatchChild } from "../helpers/child-process.ts";
import { seedAccounts } from "../helpers/dispatch-harness.ts";
import { findRedisServer, REDIS_SKIP_REASON, RedisServer } from "../helpers/redis-server.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServer | undefined;
let fake: FakeCodex | undefined;
let homes: string[] = [];
let children: DispatchChild[] = [];
let stores: PoolStore[] = [];

afterEach(async () => {
	await Promise.all(
		children.map((c) =>
			c.process.exitCode === null ? c.stop().catch(() => c.process.kill("SIGKILL")) : Promise.resolve(),
		),
	);
	children = [];
	for (const store of stores) store.close();
	stores = [];
	await fake?.close();
	for (const home of homes) await rm(home, { recursive: true, force: true });
	homes = [];
});

interface Pool {
	store: RedisPoolStore;
	/** Starts `count` pi processes on machine `machine` (its own state folder). */
	spawn(machine: number, count: number): DispatchChild[];
	homes: string[];
}

async function setup(
	accounts: Parameters<typeof seedAccounts>[2]["accounts"],
	machines = 2,
	edit?: Parameters<typeof seedAccounts>[2]["editRecord"],
): Promise<Pool> {
	fake = await startFakeCodex();
	const prefix = `mp-${randomUUID()}:`;
	const machineHomes = await Promise.all(
		Array.from({ length: machines }, () => mkdtemp(join(tmpdir(), "pi-dispatch-machine-"))),
	);
	homes.push(...machineHomes);
	const store = new RedisPoolStore({ kind: "redis", home: machineHomes[0]!, url: server!.url, prefix });
	stores.push(store);
	await seedAccounts(store, fake, { accounts, ...(edit ? { editRecord: edit } : {}) });
	return {
		store,
		homes: machineHomes,
		spawn(machine, count) {
			const env = {
				CHILD_HOME: machineHomes[machine]!,
				CHILD_BASE_URL: fake!.baseUrl,
				CHILD_TOKEN_URL: fake!.tokenUrl,
				PI_DISPATCH_REDIS_URL: server!.url,
				PI_DISPATCH_REDIS_PREFIX: prefix,
				// 16 processes starting their actors at once on 2 shared cores: a thread may take more than
				// the default 10 s to say ready (the file store's 8-process run rarely comes close).
				CHILD_RESTART: JSON.stringify({ readyTimeoutMs: 60_000 }),
			};
			const spawned = Array.from({ length: count }, () => new DispatchChild(env));
			children.push(...spawned);
			return spawned;
		},
	};
}

const redisBin = findRedisServer();
describe.skipIf(!redisBin)(
	`one pool across machines on Redis${redisBin ? "" : ` (skipped: ${REDIS_SKIP_REASON})`}`,
	() => {
		beforeAll(async () => {
			server = await RedisServer.start({ appendonly: true });
		});
		afterAll(async () => {
			await server?.dispose();
		});

		it("8 processes × 2 machines × 3 accounts due for refresh, asked at once → one token call per account, no reuse", {
			timeout: 180_000,
		}, async () => {
			const ids = ["acct-1", "acct-2", "acct-3"];
			const pool = await setup(
				ids.map((accountId) => ({ accountId })),
				2,
				(record) => {
					// Inside the refresh margin: the first request to each account needs its actor's refresh.
					record.credentials.expiresAt = Date.now() + 10_000;
				},
			);
			const procs = [...pool.spawn(0, 8), ...pool.spawn(1, 8)];
			await Promise.all(procs.map((p) => p.next((m) => m.type === "listening")));
			for (const p of procs) p.send({ cmd: "start" });
			await Promise.all(procs.map((p) => p.next((m) => m.type === "started")));
			for (const p of procs) p.send({ cmd: "ask", accounts: ids });
			const answers = await Promise.all(procs.map((p) => p.next((m) => m.type === "asked")));
			for (const answer of answers) expect(answer.errors).toEqual([]);
			for (const id of ids) expect(fake!.tokenCallCount(id)).toBe(1);
			expect(fake!.requests.filter((r) => r.route === "token").map((r) => r.status)).toEqual([200, 200, 200]);
			const unauthorized = fake!.requests.filter((r) => r.route === "responses" && r.status === 401);
			expect(unauthorized.map((r) => ({ ...r, body: undefined }))).toEqual([]);
			// The pool holds the rotated tokens; neither machine's folder holds a pool of its own.
			for (const record of (await pool.store.read()).accounts)
				expect(record.credentials.expiresAt).toBeGreaterThan(Date.now() + 60_000);
			for (const home of pool.homes)
				expect((await readdir(home)).filter((n) => n.startsWith("pool.db"))).toEqual([]);
		});

		it("after a 429 on machine 1, machine 2's processes send that account nothing", {
			timeout: 120_000,
		}, async () => {
			const pool = await setup([{ accountId: "acct-a" }, { accountId: "acct-b" }]);
			fake!.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 3600 }, { times: 1 });
			const [p1] = pool.spawn(0, 1);
			const others = pool.spawn(1, 4);
			for (const p of [p1!, ...others]) p.send({ cmd: "start" });
			await Promise.all([p1!, ...others].map((p) => p.next((m) => m.type === "started")));
			p1!.send({ cmd: "ask", n: 1 });
			expect((await p1!.next((m) => m.type === "asked")).texts).toEqual(["Hello from acct-b."]);
			// Learnt from the pool's change channel, not from acct-a.
			await Promise.all(
				others.map((p) =>
					p.next((m) => m.type === "snapshot" && m.accountId === "acct-a" && m.state === "cooling-down"),
				),
			);
			for (const p of others) p.send({ cmd: "ask", n: 3 });
			for (const answer of await Promise.all(others.map((p) => p.next((m) => m.type === "asked")))) {
				expect(answer.errors).toEqual([]);
				expect(answer.texts).toEqual(["Hello from acct-b.", "Hello from acct-b.", "Hello from acct-b."]);
			}
			const toA = fake!.requests.filter((r) => r.route === "responses" && r.accountId === "acct-a");
			expect(toA.map((r) => r.status)).toEqual([429]);
		});

		it("Redis killed and restarted mid-run (append-only file on) → requests still served, pool intact, processes reconnect and share again", {
			timeout: 120_000,
		}, async () => {
			const pool = await setup([{ accountId: "acct-a" }, { accountId: "acct-b" }, { accountId: "acct-c" }]);
			const before = await pool.store.read();
			const procs = [...pool.spawn(0, 2), ...pool.spawn(1, 2)];
			for (const p of procs) {
				p.send({ cmd: "start" });
				p.send({ cmd: "loop" });
			}
			await Promise.all(procs.map((p) => p.next((m) => m.type === "answer")));
			const answered = () => children.flatMap((c) => c.messages.filter((m) => m.type === "answer")).length;

			await server!.stop(true);
			const whileDown = answered();
			// Learnt on machine 1 while the pool is away: a 429 on acct-c.
			fake!.setFault("acct-c", { kind: "usage-limit", resetsInSeconds: 3600 }, { times: 1 });
			procs[0]!.send({ cmd: "ask", accounts: ["acct-c"] });
			await fake!.waitForRequest((r) => r.route === "responses" && r.accountId === "acct-c" && r.status === 429);
			// Down longer than a store call waits for the connection (3 s): what was learnt must wait for Redis.
			await sleep(4500);
			// Served from what each process knows (tokens, cooldowns) while the pool is away.
			expect(answered()).toBeGreaterThan(whileDown);
			await server!.restart();
			// What machine 1 learnt while Redis was down reaches machine 2 once it is back.
			await Promise.all(
				procs
					.slice(2)
					.map((p) =>
						p.next((m) => m.type === "snapshot" && m.accountId === "acct-c" && m.state === "cooling-down"),
					),
			);

			// Every process reconnects: a cooldown learnt on machine 1 now reaches machine 2 again.
			fake!.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 3600 }, { times: 1 });
			const [p1] = procs;
			const onMachine2 = procs.slice(2);
			await Promise.all(
				onMachine2.map((p) =>
					p.next((m) => m.type === "snapshot" && m.accountId === "acct-a" && m.state === "cooling-down"),
				),
			);
			expect(p1).toBeDefined();
			await Promise.all(procs.map((p) => p.stop()));
			const answers = children.flatMap((c) => c.messages.filter((m) => m.type === "answer"));
			expect(answers.filter((a) => !a.ok)).toEqual([]);
			const after = await pool.store.read();
			expect(after.accounts.map((a) => [a.id, a.credentials])).toEqual(
				before.accounts.map((a) => [a.id, a.credentials]),
			);
			expect(after.state["acct-a"]?.cooldownUntil).toBeGreaterThan(Date.now() + 60_000);
			expect(await pool.store.leases()).toEqual([]);
		});
	},
);
