/**
 * One process of the Redis store figures (redis-figures.ts), on either store: BENCH_STORE_CONFIG
 * (JSON StoreConfig) names it, argv[2] the mode. JSON lines on stdout; a line on stdin starts it.
 *   watch <count>             reports when each of `count` cooldown marks on acct-a becomes readable here
 *   write <count> <gapMs>     writes `count` cooldown marks on acct-a, `gapMs` apart, with the time of each
 *   handoff <rounds> <holdMs> takes acct-x's refresh lock `rounds` times, holding it holdMs
 */
import { openPoolStore } from "../../src/store/open-pool-store.ts";
import type { StoreConfig } from "../../src/store/store-config.ts";
import { go, holdLockOnce, now, say, sleep } from "./figure-child-io.ts";

const [mode = "", ...rest] = process.argv.slice(2);
const store = openPoolStore(JSON.parse(process.env.BENCH_STORE_CONFIG ?? "{}") as StoreConfig);
/** The mark is the cooldown's `until`: 10^13 + n, never a real time. */
const MARK_BASE = 10_000_000_000_000;

if (mode === "watch") {
	const count = Number(rest[0] ?? "50");
	const seen = new Map<number, number>();
	let reading = false;
	let again = false;
	const look = async () => {
		if (reading) {
			again = true;
			return;
		}
		reading = true;
		do {
			again = false;
			const at = now();
			const state = (await store.read()).state["acct-a"];
			const mark = (state?.cooldownUntil ?? 0) - MARK_BASE;
			if (mark > 0 && !seen.has(mark)) seen.set(mark, at);
		} while (again);
		reading = false;
		if (seen.size >= count || seen.has(count)) {
			say({ type: "seen", marks: Object.fromEntries(seen) });
			store.close();
			process.exit(0);
		}
	};
	store.watch(() => void look());
	await store.read();
	say({ type: "ready" });
	await go();
} else if (mode === "write") {
	const [count = "50", gapMs = "40"] = rest;
	say({ type: "ready" });
	await go();
	const written: Record<number, number> = {};
	for (let n = 1; n <= Number(count); n++) {
		const at = now();
		await store.update((data) => {
			data.state["acct-a"] = { ...data.state["acct-a"], cooldownUntil: MARK_BASE + n, cooldownReason: "bench" };
		});
		written[n] = at;
		await sleep(Number(gapMs));
	}
	say({ type: "written", marks: written });
	store.close();
	process.exit(0);
} else if (mode === "handoff") {
	const [rounds = "20", holdMs = "5"] = rest;
	say({ type: "ready" });
	await go();
	const holds: { acquired: number; released: number }[] = [];
	for (let i = 0; i < Number(rounds); i++) holds.push(await holdLockOnce(store, "acct-x", Number(holdMs)));
	say({ type: "holds", holds });
	store.close();
	process.exit(0);
}
