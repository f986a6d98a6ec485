/**
 * `npm run bench:multiprocess -- --store redis`: the Redis pool's figures next to the file
 * store's, in one run, on a redis-server started here (free port, temp dir, append-only file on):
 * - cooldown propagation: a write by one process → readable in each watching process (p50/p99);
 *   on Redis the watchers are another "machine" (another state folder); target ≤ 50 ms p99;
 * - refresh lock hand-off: release by one process → taken by the next waiting one;
 * - healthy overhead: the cost of one read and one cooldown write in a process (a healthy request
 *   itself makes no store call: routing reads the supervisor's memory).
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openPoolStore } from "../../src/store/open-pool-store.ts";
import type { StoreConfig } from "../../src/store/store-config.ts";
import { account } from "../../test/fixtures/store/sample-data.ts";
import { RedisServer } from "../../test/helpers/redis-server.ts";
import { type Summary, summarize } from "../lib/stats.ts";
import { type FigureChild, spawnFigureChild } from "./figure-spawn.ts";

const CHILD = fileURLToPath(new URL("./redis-child.ts", import.meta.url));

export interface StoreSide {
	propagation: Summary;
	handoff: Summary;
	read: Summary;
	write: Summary;
}

export interface RedisFigures {
	redisVersion: string;
	file: StoreSide;
	redis: StoreSide;
	settings: { marks: number; watchers: number; handoffProcs: number; rounds: number; ops: number };
	targetPropagationP99Ms: number;
	met: boolean;
}

function child(config: StoreConfig, args: string[]): FigureChild {
	return spawnFigureChild(CHILD, args, `bench child ${args[0]}`, {
		...process.env,
		BENCH_STORE_CONFIG: JSON.stringify(config),
	});
}

async function measureSide(
	writerConfig: StoreConfig,
	watcherConfig: StoreConfig,
	settings: RedisFigures["settings"],
): Promise<StoreSide> {
	const seed = openPoolStore(writerConfig);
	await seed.update((data) => {
		data.accounts.push(account("acct-a"), account("acct-x"));
	});

	// Cooldown propagation: one writer, `watchers` processes reading it as soon as they are told.
	const watchers = Array.from({ length: settings.watchers }, () =>
		child(watcherConfig, ["watch", String(settings.marks)]),
	);
	const writer = child(writerConfig, ["write", String(settings.marks), "40"]);
	await Promise.all([...watchers, writer].map((c) => c.next("ready")));
	for (const w of watchers) w.go();
	writer.go();
	const written = (await writer.next("written")).marks as Record<string, number>;
	const propagation: number[] = [];
	for (const w of watchers) {
		const seen = (await w.next("seen")).marks as Record<string, number>;
		for (const [mark, at] of Object.entries(seen)) {
			if (written[mark] !== undefined) propagation.push(at - written[mark]);
		}
	}

	// Lock hand-off: every process wants the lock again as soon as it let it go.
	const holders = Array.from({ length: settings.handoffProcs }, (_, i) =>
		child(i % 2 === 0 ? writerConfig : watcherConfig, ["handoff", String(settings.rounds), "5"]),
	);
	await Promise.all(holders.map((h) => h.next("ready")));
	for (const h of holders) h.go();
	const holds = (await Promise.all(holders.map((h) => h.next("holds"))))
		.flatMap((m) => m.holds as { acquired: number; released: number }[])
		.sort((a, b) => a.acquired - b.acquired);
	const handoff: number[] = [];
	for (let i = 1; i < holds.length; i++) handoff.push(holds[i]!.acquired - holds[i - 1]!.released);

	// One process's own cost of a read and of a cooldown write.
	const reads: number[] = [];
	const writes: number[] = [];
	for (let i = 0; i < settings.ops; i++) {
		let t0 = performance.now();
		await seed.read();
		reads.push(performance.now() - t0);
		t0 = performance.now();
		await seed.update((data) => {
			data.state["acct-x"] = { cooldownUntil: 1_900_000_000_000 + i, cooldownReason: "bench" };
		});
		writes.push(performance.now() - t0);
	}
	seed.close();
	return {
		propagation: summarize(propagation),
		handoff: summarize(handoff),
		read: summarize(reads),
		write: summarize(writes),
	};
}

export async function runRedisFigures(quick: boolean, log: (m: string) => void): Promise<RedisFigures> {
	const settings = quick
		? { marks: 20, watchers: 2, handoffProcs: 3, rounds: 5, ops: 50 }
		: { marks: 100, watchers: 4, handoffProcs: 4, rounds: 25, ops: 300 };
	const server = await RedisServer.start({ appendonly: true });
	const base = await mkdtemp(join(tmpdir(), "pi-dispatch-bench-redis-"));
	try {
		const { execFileSync } = await import("node:child_process");
		const redisVersion =
			execFileSync("redis-server", ["--version"], { encoding: "utf8" }).trim().split(" ")[2] ?? "?";
		log(`file store: ${settings.watchers} watchers, ${settings.handoffProcs} lock holders, one state folder`);
		const fileHome = join(base, "file");
		const file = await measureSide({ kind: "file", home: fileHome }, { kind: "file", home: fileHome }, settings);
		log(`redis ${redisVersion} on ${server.url}: writer on machine 1, watchers on machine 2`);
		const prefix = `bench-${randomUUID()}:`;
		const redis = await measureSide(
			{ kind: "redis", home: join(base, "m1"), url: server.url, prefix },
			{ kind: "redis", home: join(base, "m2"), url: server.url, prefix },
			settings,
		);
		return { redisVersion, file, redis, settings, targetPropagationP99Ms: 50, met: redis.propagation.p99 <= 50 };
	} finally {
		await server.dispose();
		await rm(base, { recursive: true, force: true });
	}
}

export function formatRedisFigures(f: RedisFigures): string {
	const ms = (v: number) => `${v.toFixed(2)} ms`;
	const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : "—");
	const row = (figure: string, key: keyof StoreSide, target = "") => [
		figure,
		ms(f.file[key].p50),
		ms(f.file[key].p99),
		ms(f.redis[key].p50),
		ms(f.redis[key].p99),
		ratio(f.redis[key].p50, f.file[key].p50),
		target,
	];
	const rows = [
		["figure", "file p50", "file p99", "redis p50", "redis p99", "redis/file p50", "target"],
		row(
			`cooldown propagation (${f.redis.propagation.count} samples)`,
			"propagation",
			`≤ ${f.targetPropagationP99Ms} ms p99 across machines: ${f.met ? "yes" : "NO"}`,
		),
		row(`refresh lock hand-off (${f.redis.handoff.count})`, "handoff"),
		row(`read, one process (${f.redis.read.count})`, "read"),
		row(`cooldown write, one process (${f.redis.write.count})`, "write"),
	];
	const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
	const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
	return [line(rows[0]!), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.slice(1).map(line)].join(
		"\n",
	);
}
