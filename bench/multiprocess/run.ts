/**
 * One multi-process run: the fake backend (in this process, for its request log), a store seeded
 * in a temp folder, N children started and settled, then a barrier, the streams, and the figures.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccountStore } from "../../src/store/account-store.ts";
import { type RequestLogEntry, startFakeCodex } from "../../test/fake-codex/index.ts";
import { actorWorkerBuild } from "../lib/actor-build.ts";
import { seedStore } from "../lib/rig.ts";
import { sleep } from "../lib/wait.ts";
import { analyze, type Figures } from "./analyze.ts";
import type { MultiprocessOptions } from "./args.ts";
import { BenchChild } from "./fleet.ts";
import type { ChildDone, ChildReady } from "./protocol.ts";
import { accountInits, RESPONSE_PLAN, WARMUP_ACCOUNT } from "./workload.ts";

export interface RunResult {
	actorWorker: string;
	/** Spawn → every child's supervisor started and its actors' usage polls answered. */
	startupMs: number;
	childStartMs: number[];
	exhaustAfter: number;
	figures: Figures;
	/** For --raw only (not in the results file). */
	raw: { children: ChildDone[]; requests: Omit<RequestLogEntry, "body">[] };
}

/** The barrier waits for the store to be this long without a write or a held lock. */
const QUIET_MS = 1000;
/** Lead time of the barrier instant, so every child has the `go` line before it passes. */
const BARRIER_LEAD_MS = 300;

export async function runMultiprocess(options: MultiprocessOptions, log: (m: string) => void): Promise<RunResult> {
	const worker = await actorWorkerBuild(log);
	const total = options.procs * options.streams;
	const exhaustAfter = Math.max(1, Math.round(total * options.exhaustAt));
	const fake = await startFakeCodex();
	fake.setResponse(RESPONSE_PLAN);
	const inits = accountInits(options.accounts, exhaustAfter);
	const watched = inits[0]!.accountId;
	const home = await mkdtemp(join(tmpdir(), "pi-dispatch-bench-mp-"));
	const children: BenchChild[] = [];
	// A hung child must not hang the bench: past this, every child is killed (by its own pid).
	const deadline = setTimeout(
		() => {
			for (const child of children) child.kill();
		},
		options.quick ? 60_000 : 170_000,
	);
	try {
		await seedStore(
			home,
			inits.map((init) => ({ accountId: init.accountId, tokens: fake.addAccount(init) })),
		);
		const idleReadMs = await timeReads(new AccountStore({ home }), 200);
		const env: Record<string, string> = {
			PI_DISPATCH_HOME: home,
			PI_DISPATCH_CODEX_BASE_URL: fake.baseUrl,
			PI_DISPATCH_AUTH_URL: fake.tokenUrl,
			PI_DISPATCH_TRANSPORT: "sse",
			PI_DISPATCH_ACTOR_WORKER: worker.entry,
			BENCH_WATCH_ACCOUNT: watched,
			BENCH_WARMUP_TOKEN: fake.addAccount({ accountId: WARMUP_ACCOUNT }).access,
			...(options.usagePersistMs !== undefined ? { BENCH_USAGE_PERSIST_MS: String(options.usagePersistMs) } : {}),
		};
		log(`starting ${options.procs} processes × ${options.accounts} actors (actors: ${worker.entry})`);
		const t0 = performance.now();
		for (let i = 0; i < options.procs; i++) children.push(new BenchChild(i, env));
		const ready: ChildReady[] = await Promise.all(children.map((c) => c.ready()));
		const startupMs = Math.round(performance.now() - t0);
		log(`all ready in ${startupMs} ms; ${watched} runs dry after ${exhaustAfter} of ${total} streams`);
		await storeQuiet(home);
		fake.requests.length = 0; // start-up usage polls and warm-ups are not part of the run

		const goAt = Date.now() + BARRIER_LEAD_MS;
		for (const child of children)
			child.send({ cmd: "go", at: goAt, streams: options.streams, concurrency: options.concurrency });
		const done: ChildDone[] = await Promise.all(children.map((c) => c.done()));
		log(`streams done in ${Math.max(...done.map((d) => d.endedAt)) - goAt} ms`);

		const figures = analyze({
			requests: fake.requests,
			children: done,
			watched,
			expectedStreams: total,
			goAt,
			idleReadMs,
		});
		return {
			actorWorker: `${worker.entry} (${worker.origin})`,
			startupMs,
			childStartMs: ready.map((r) => r.startMs),
			exhaustAfter,
			figures,
			raw: { children: done, requests: fake.requests.map(({ body: _body, ...entry }) => entry) },
		};
	} finally {
		clearTimeout(deadline);
		await Promise.all(children.map((c) => c.stop()));
		await fake.close();
		await rm(home, { recursive: true, force: true });
	}
}

/** `count` sequential reads of the seeded store, before any child runs: the read's own cost. */
async function timeReads(store: AccountStore, count: number): Promise<number[]> {
	const samples: number[] = [];
	for (let i = 0; i < count; i++) {
		const t0 = performance.now();
		await store.read();
		samples.push(performance.now() - t0);
	}
	return samples;
}

/**
 * Start-up writes (each actor's first usage poll) queue on the data lock for seconds when many
 * processes start together; the barrier waits them out so they are not timed as the run's.
 */
async function storeQuiet(home: string, timeoutMs = 30_000): Promise<void> {
	const file = join(home, "pool.db-wal");
	const store = new AccountStore({ home });
	const deadline = Date.now() + timeoutMs;
	let last = "";
	let quietSince = Date.now();
	while (Date.now() - quietSince < QUIET_MS) {
		if (Date.now() > deadline) throw new Error("the store never went quiet after start-up");
		const st = await stat(file, { bigint: true });
		const leases = (await store.leases()).length;
		const now = `${st.ino}:${st.mtimeNs}:${st.size}:${leases}`;
		if (now !== last || leases > 0) quietSince = Date.now();
		last = now;
		await sleep(50);
	}
}
