/** Flags of `node bench/multiprocess.ts` (node:util parseArgs). */
import { parseArgs } from "node:util";

export interface MultiprocessOptions {
	procs: number;
	/** Streams per process. */
	streams: number;
	accounts: number;
	/** Streams in flight at once inside each process. */
	concurrency: number;
	/** Share of all streams after which the first account runs dry. */
	exhaustAt: number;
	/** Actor usage write period; undefined = the production default (30 s). 0 = a write per response. */
	usagePersistMs: number | undefined;
	quick: boolean;
	json: boolean;
	/** Results file; by default bench/results/multiprocess.json unless --quick. */
	out: string | undefined;
	/** Also write every child's raw report and the fake's log of the exhausting account here. */
	raw: string | undefined;
	/** Run the store figures (issue 10); default on for full runs, off for --quick. */
	store: boolean;
	/** Only the store figures, merged into the existing results file. */
	storeOnly: boolean;
	/** A checkout of the old store (e.g. /work/main at 5de654c) measured side by side. */
	oldTree: string | undefined;
	/** `--store redis`: only the Redis pool's figures next to the file store's (issue 13). */
	redis: boolean;
}

export const USAGE = `node bench/multiprocess.ts [--procs 16] [--streams 100] [--accounts 4] [--concurrency 4]
  [--exhaust-at 0.25] [--usage-persist-ms N] [--quick] [--json] [--out file] [--raw file]
--quick: 4 processes × 10 streams unless given; writes no results file unless --out.
--usage-persist-ms 0: every response's usage goes to the store (a write-heavy stress of the lock).
--raw: every child's raw report and the fake's request log, for digging into one run.
--store redis: only the Redis pool's figures (cooldown propagation across machines, lock hand-off,
  read/write cost) next to the file store's, on a redis-server started for the run.`;

export function parseMultiprocessArgs(argv: string[]): MultiprocessOptions | "help" {
	const { values } = parseArgs({
		args: argv,
		options: {
			procs: { type: "string" },
			streams: { type: "string" },
			accounts: { type: "string", default: "4" },
			concurrency: { type: "string", default: "4" },
			"exhaust-at": { type: "string", default: "0.25" },
			"usage-persist-ms": { type: "string" },
			quick: { type: "boolean", default: false },
			json: { type: "boolean", default: false },
			out: { type: "string" },
			raw: { type: "string" },
			store: { type: "string" },
			"no-store": { type: "boolean", default: false },
			"store-only": { type: "boolean", default: false },
			"old-tree": { type: "string" },
			help: { type: "boolean", short: "h", default: false },
		},
		strict: true,
	});
	if (values.help) return "help";
	const quick = values.quick;
	const exhaustAt = Number(values["exhaust-at"]);
	if (!(exhaustAt > 0 && exhaustAt < 1)) throw new Error("--exhaust-at wants a fraction between 0 and 1");
	const persist = values["usage-persist-ms"];
	if (values.store !== undefined && values.store !== "file" && values.store !== "redis")
		throw new Error(
			`--store wants "file" (the store figures) or "redis" (the Redis pool's, side by side), not "${values.store}"`,
		);
	return {
		procs: count("--procs", values.procs ?? (quick ? "4" : "16")),
		streams: count("--streams", values.streams ?? (quick ? "10" : "100")),
		accounts: count("--accounts", values.accounts, 2),
		concurrency: count("--concurrency", values.concurrency),
		exhaustAt,
		usagePersistMs: persist === undefined ? undefined : count("--usage-persist-ms", persist, 0),
		quick,
		json: values.json,
		out: values.out,
		raw: values.raw,
		store: values["store-only"] || (values.store === "file" ? true : !quick && !values["no-store"]),
		storeOnly: values["store-only"],
		oldTree: values["old-tree"],
		redis: values.store === "redis",
	};
}

function count(flag: string, raw: string, min = 1): number {
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min) throw new Error(`${flag} wants an integer ≥ ${min}, not "${raw}"`);
	return value;
}
