/**
 * The kill -9 chaos driver shared by the file store's and the Redis store's chaos runs: real child
 * processes looping over the pool, a short cooldown forced now and then, one random process killed
 * with SIGKILL every 1–2 s (and replaced), then the survivors stopped the ordinary way. The tests
 * own the pool, the fake backend and the assertions; this only drives and counts.
 */
import type { StoreData } from "../../src/store/account-record.ts";
import type { FakeCodex } from "../fake-codex/index.ts";
import { type ChildMessage, DispatchChild } from "./child-process.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface KillChaosOptions {
	fake: FakeCodex;
	/** A store on the pool, read to see whether a rotation is committed. */
	watcher: { read(): Promise<StoreData> };
	accounts: readonly string[];
	processes: number;
	chaosMs: number;
	/** The longest the killer holds off for a rotation on its way into the pool. */
	holdOffCapMs: number;
	/** The environment of the n-th process launched (0, 1, ...). */
	env: (launched: number) => Record<string, string>;
	/** Every process launched is pushed here, so the test's afterEach can kill what is left. */
	children: DispatchChild[];
}

export interface KillChaosRun {
	kills: number;
	/** Cooldowns forced. */
	faults: number;
	/** Per kill, how long it was held off for a rotation (ms). */
	holdOffs: number[];
	tokenCalls: FakeCodex["requests"];
	/** Token calls by HTTP status (0: cut by a kill). */
	statuses: Record<string, number>;
	answers: ChildMessage[];
}

/**
 * Waits (at most `capMs`) until no token answer is between the endpoint and the pool: no token
 * request in flight, and every answered one's account committed after it arrived. Returns the wait
 * in ms. A kill in that window loses the login whatever the client does (the service already
 * rotated; see test/fake-codex/README.md, "Token delay and kills").
 */
async function rotationsSettled(watcher: KillChaosOptions["watcher"], fake: FakeCodex, capMs: number): Promise<number> {
	const started = Date.now();
	for (;;) {
		const recent = fake.requests.filter((r) => r.route === "token" && r.at > Date.now() - 5000);
		const updatedAt = new Map((await watcher.read()).accounts.map((a) => [a.id, a.updatedAt]));
		const pending = recent.filter(
			(r) =>
				(r.status === 0 && !r.clientClosed) || (r.status === 200 && (updatedAt.get(r.accountId ?? "") ?? 0) < r.at),
		);
		if (pending.length === 0 || Date.now() - started > capMs) return Date.now() - started;
		await sleep(5);
	}
}

export async function runKillChaos(options: KillChaosOptions): Promise<KillChaosRun> {
	const { fake, accounts, children } = options;
	let launched = 0;
	const launch = () => {
		const child = new DispatchChild(options.env(launched++));
		children.push(child);
		child.send({ cmd: "start" });
		child.send({ cmd: "loop" });
		return child;
	};
	const live = Array.from({ length: options.processes }, launch);
	await Promise.all(live.map((c) => c.next((m) => m.type === "started")));

	let kills = 0;
	let faults = 0;
	const holdOffs: number[] = [];
	const until = Date.now() + options.chaosMs;
	while (Date.now() < until) {
		await sleep(1000 + Math.random() * 1000);
		// A short cooldown now and then: cooldown writes race with the refreshes and the kills.
		const account = accounts[faults++ % accounts.length]!;
		fake.setFault(account, { kind: "usage-limit", resetsInSeconds: 2 }, { times: 1 });
		// Not while a rotation is between the endpoint's answer and the pool.
		holdOffs.push(await rotationsSettled(options.watcher, fake, options.holdOffCapMs));
		const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0]!;
		victim.process.kill("SIGKILL");
		kills++;
		live.push(launch());
	}
	// Let the last ones settle, then stop them the ordinary way.
	await Promise.all(live.map((c) => c.next((m) => m.type === "started")));
	await sleep(3000);
	await Promise.all(live.map((c) => c.stop()));

	const tokenCalls = fake.requests.filter((r) => r.route === "token");
	const statuses = tokenCalls.reduce<Record<string, number>>((acc, r) => {
		acc[r.status] = (acc[r.status] ?? 0) + 1;
		return acc;
	}, {});
	const answers = children.flatMap((c) => c.messages.filter((m) => m.type === "answer"));
	return { kills, faults, holdOffs, tokenCalls, statuses, answers };
}
