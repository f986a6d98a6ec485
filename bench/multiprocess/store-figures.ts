/**
 * Store figures of issue 10, for the new pool database and, side by side, the old accounts.json
 * store of another checkout (`--old-tree`, default /work/main at 5de654c):
 * - lease hand-off: 8 processes take one account's refresh lock 10 times each, holding it 20 ms;
 *   hand-off = next holder's acquisition − previous holder's release (same clock, µs resolution);
 * - dead-holder takeover: a holder is killed with SIGKILL; how long until a waiting process has it;
 * - exit → next writer: a process exits while one of its worker threads is inside a write; how
 *   long until the next writer (this process) holds the write lock;
 * - a refresh's time to disk: 8 processes × 3 accounts refresh at once while each also writes 20
 *   cooldowns; from the token answer to the stored result (single flight: 3 refreshes a run);
 * - cold start: N processes (real runtime, actors from the build) start on a pool whose 3 accounts'
 *   tokens have expired and each asks once; failures and the time to the answer, vs 1 process.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startFakeCodex } from "../../test/fake-codex/index.ts";
import { type FigureChild, spawnFigureChild } from "./figure-spawn.ts";

const CHILD = fileURLToPath(new URL("./store-child.ts", import.meta.url));
const NEW_TREE = fileURLToPath(new URL("../../", import.meta.url));

export interface Spread {
	n: number;
	p50: number;
	p99: number;
	max: number;
}

export interface StoreArmFigures {
	handoffMs: Spread;
	deadHolderTakeoverMs: Spread;
	exitToNextWriterMs: Spread;
	refreshToDiskMs: Spread;
	coldStart: { procs: number; failures: number; answerMs: Spread; aloneMs: Spread };
}

export interface StoreFigures {
	oldTree: string;
	old: StoreArmFigures | { error: string };
	new: StoreArmFigures;
}

function spread(values: number[]): Spread {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
	const round = (x: number) => Math.round(x * 100) / 100;
	return { n: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? Number.NaN) };
}

function kid(tree: string, mode: string, home: string, ...args: string[]): FigureChild {
	const storeModule = join(tree, "src/store/account-store.ts");
	return spawnFigureChild(CHILD, [storeModule, mode, home, ...args], `store child (${mode})`);
}

type Store = import("../../src/store/account-store.ts").AccountStore;

async function newStore(tree: string, home: string): Promise<Store> {
	const { AccountStore } = (await import(
		join(tree, "src/store/account-store.ts")
	)) as typeof import("../../src/store/account-store.ts");
	return new AccountStore({ home });
}

function record(id: string) {
	return {
		id,
		label: id,
		credentials: { access: `access-${id}-1`, refresh: `refresh-${id}-1`, expiresAt: 1 },
		addedAt: 1,
		updatedAt: 1,
	};
}

async function withHome<T>(fn: (home: string) => Promise<T>): Promise<T> {
	const base = await mkdtemp(join(tmpdir(), "pi-dispatch-store-bench-"));
	try {
		return await fn(join(base, "home"));
	} finally {
		await rm(base, { recursive: true, force: true });
	}
}

async function handoff(tree: string, quick: boolean): Promise<number[]> {
	return withHome(async (home) => {
		const store = await newStore(tree, home);
		await store.update((d) => {
			d.accounts.push(record("acct-x"));
		});
		const kids = Array.from({ length: 8 }, () => kid(tree, "handoff", home, quick ? "4" : "10", "20"));
		await Promise.all(kids.map((k) => k.next("ready")));
		for (const k of kids) k.go();
		await Promise.all(kids.map((k) => k.next("done")));
		const rounds = kids
			.flatMap((k) => k.all("round") as { acquired: number; released: number }[])
			.sort((a, b) => a.acquired - b.acquired);
		return rounds.slice(1).map((r, i) => r.acquired - rounds[i]!.released);
	});
}

/** `count` samples, each in a fresh folder holding one account, "acct-x". */
async function samples(tree: string, count: number, sample: (home: string, store: Store) => Promise<number>) {
	const out: number[] = [];
	for (let i = 0; i < count; i++) {
		out.push(
			await withHome(async (home) => {
				const store = await newStore(tree, home);
				await store.update((d) => {
					d.accounts.push(record("acct-x"));
				});
				return sample(home, store);
			}),
		);
	}
	return out;
}

const clock = () => performance.timeOrigin + performance.now();

function takeover(tree: string, quick: boolean): Promise<number[]> {
	return samples(tree, quick ? 2 : 5, async (home, store) => {
		const holder = kid(tree, "hold-lease", home);
		await holder.next("holding");
		holder.proc.kill("SIGKILL");
		await holder.exited;
		const killed = clock();
		let got = 0;
		await store.withAccountLock("acct-x", async () => {
			got = clock();
		});
		return got - killed;
	});
}

function exitToNextWriter(tree: string, quick: boolean): Promise<number[]> {
	return samples(tree, quick ? 2 : 5, async (home, store) => {
		const holder = kid(tree, "exit-mid-write", home);
		await holder.next("holding");
		holder.go();
		const exiting = (await holder.next("exiting")) as { at: number };
		await holder.exited;
		let locked = 0;
		await store.update(() => {
			locked = clock();
		});
		return locked - exiting.at;
	});
}

/** A token endpoint that rotates, answering after 100 ms (as the store test's). */
async function tokenServer() {
	const current = new Map<string, string>();
	const server = createServer((req, res) => {
		let body = "";
		req.on("data", (c) => {
			body += c;
		});
		req.on("end", () => {
			const { account, refresh_token } = JSON.parse(body) as { account: string; refresh_token: string };
			const n = Number((current.get(account) ?? refresh_token).split("-r").at(-1)) || 1;
			const next = `refresh-${account}-r${n + 1}`;
			current.set(account, next);
			setTimeout(() => {
				res.writeHead(200, { "content-type": "application/json" });
				res.end(JSON.stringify({ access_token: `access-${account}-r${n + 1}`, refresh_token: next }));
			}, 100);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

async function refreshToDisk(tree: string, quick: boolean): Promise<number[]> {
	const samples: number[] = [];
	for (let round = 0; round < (quick ? 1 : 3); round++) {
		const server = await tokenServer();
		try {
			samples.push(
				...(await withHome(async (home) => {
					const store = await newStore(tree, home);
					await store.update((d) => {
						d.accounts.push(record("acct-1"), record("acct-2"), record("acct-3"));
					});
					const kids = Array.from({ length: 8 }, () => kid(tree, "refresh", home, server.url));
					await Promise.all(kids.map((k) => k.next("ready")));
					for (const k of kids) k.go();
					const done = await Promise.all(kids.map((k) => k.next("done")));
					return done.flatMap((d) => d.spans as number[]);
				})),
			);
		} finally {
			await server.close();
		}
	}
	return samples;
}

async function coldStart(tree: string, procs: number): Promise<{ failures: number; answerMs: number[] }> {
	const fake = await startFakeCodex();
	fake.token.delayMs = 50;
	try {
		return await withHome(async (home) => {
			const store = await newStore(tree, home);
			await store.update((d) => {
				for (const accountId of ["acct-1", "acct-2", "acct-3"]) {
					const t = fake.addAccount({ accountId });
					d.accounts.push({
						...record(accountId),
						credentials: { access: t.access, refresh: t.refresh, expiresAt: Date.now() - 1000 },
					});
				}
			});
			const env = {
				...process.env,
				CHILD_HOME: home,
				CHILD_BASE_URL: fake.baseUrl,
				CHILD_TOKEN_URL: fake.tokenUrl,
				PI_DISPATCH_ACTOR_WORKER: join(tree, "dist/workers/account-actor.js"),
			};
			const script = join(tree, "test/fixtures/dispatch/child.ts");
			const started = performance.now();
			const runs = await Promise.all(
				Array.from({ length: procs }, async () => {
					const proc = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", script], {
						env,
						stdio: ["pipe", "pipe", "inherit"],
					});
					const lines = createInterface({ input: proc.stdout! });
					let result: { ms: number; errors: unknown[] } = { ms: Number.NaN, errors: ["no answer"] };
					for await (const line of lines) {
						const m = JSON.parse(line) as { type: string; errors?: unknown[] };
						if (m.type === "listening") proc.stdin!.write(`${JSON.stringify({ cmd: "start" })}\n`);
						if (m.type === "started") proc.stdin!.write(`${JSON.stringify({ cmd: "ask", n: 1 })}\n`);
						if (m.type === "asked") {
							result = { ms: performance.now() - started, errors: m.errors ?? [] };
							proc.stdin!.write(`${JSON.stringify({ cmd: "stop" })}\n`);
						}
					}
					return result;
				}),
			);
			return {
				failures: runs.filter((r) => r.errors.length > 0).length,
				answerMs: runs.map((r) => r.ms),
			};
		});
	} finally {
		await fake.close();
	}
}

async function arm(tree: string, quick: boolean, log: (m: string) => void): Promise<StoreArmFigures> {
	log(`store figures: ${tree}`);
	const handoffMs = spread(await handoff(tree, quick));
	log(`  hand-off p50 ${handoffMs.p50} ms, p99 ${handoffMs.p99} ms`);
	const deadHolderTakeoverMs = spread(await takeover(tree, quick));
	log(`  dead-holder takeover p50 ${deadHolderTakeoverMs.p50} ms`);
	const exitToNextWriterMs = spread(await exitToNextWriter(tree, quick));
	log(`  exit → next writer p50 ${exitToNextWriterMs.p50} ms`);
	const refreshToDiskMs = spread(await refreshToDisk(tree, quick));
	log(`  refresh answer → on disk p50 ${refreshToDiskMs.p50} ms`);
	const procs = quick ? 4 : 16;
	const alone = await coldStart(tree, 1);
	const many = await coldStart(tree, procs);
	log(`  cold start ${procs} procs: ${many.failures} failures`);
	return {
		handoffMs,
		deadHolderTakeoverMs,
		exitToNextWriterMs,
		refreshToDiskMs,
		coldStart: {
			procs,
			failures: many.failures + alone.failures,
			answerMs: spread(many.answerMs),
			aloneMs: spread(alone.answerMs),
		},
	};
}

export async function runStoreFigures(
	oldTree: string,
	quick: boolean,
	log: (m: string) => void,
	withOld = true,
): Promise<StoreFigures> {
	const fresh = await arm(NEW_TREE, quick, log);
	let old: StoreArmFigures | { error: string } = { error: "not measured (no --old-tree)" };
	if (withOld) {
		try {
			old = await arm(oldTree, quick, log);
		} catch (error) {
			old = { error: String(error) };
		}
	}
	return { oldTree, old, new: fresh };
}
