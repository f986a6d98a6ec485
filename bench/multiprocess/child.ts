/**
 * One "pi process" of the multi-process bench: the real runtime (supervisor, worker-thread actors,
 * dispatcher, pi-ai's Codex client) over the shared store, configured the way pi configures it
 * (PI_DISPATCH_HOME, PI_DISPATCH_CODEX_BASE_URL, PI_DISPATCH_AUTH_URL). Started by fleet.ts with
 * `--import lock-probe.ts`; speaks protocol.ts over stdin/stdout. Other settings, from the env:
 * BENCH_CHILD_INDEX, BENCH_WATCH_ACCOUNT (the account that runs dry), BENCH_WARMUP_TOKEN (an access
 * token of a fake account outside the store), BENCH_USAGE_PERSIST_MS.
 */
import { statSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { BroadcastChannel } from "node:worker_threads";
import {
	type AssistantMessageEvent,
	createAssistantMessageEventStream,
	getModel,
	streamSimpleOpenAICodexResponses,
} from "@earendil-works/pi-ai/compat";
import { resolveConfig } from "../../src/config.ts";
import type { CodexClient } from "../../src/dispatch/dispatcher.ts";
import { createRuntime } from "../../src/runtime.ts";
import type { StoreData } from "../../src/store/account-record.ts";
import { type Database, sqlite } from "../../src/store/sqlite.ts";
import type { Supervisor } from "../../src/supervisor/supervisor.ts";
import { benchContext } from "../lib/client.ts";
import { LOCK_WAIT_CHANNEL } from "./lock-probe.ts";
import type {
	ChildDone,
	ChildToParent,
	LockWait,
	ParentToChild,
	ProbeMessage,
	StoreWrite,
	StreamResult,
} from "./protocol.ts";
import { MODEL_ID } from "./workload.ts";

/** The moments this process learnt about the watched account, as reported in its `done` line. */
type LearntMoments = Pick<
	ChildDone,
	"coolingSeenAt" | "ownFailoverAt" | "reloadSawAt" | "probeSawAt" | "gateSawAt" | "routedToWatched"
>;

const index = Number(process.env.BENCH_CHILD_INDEX);
const watched = process.env.BENCH_WATCH_ACCOUNT!;
const persistMs = process.env.BENCH_USAGE_PERSIST_MS;
const say = (message: ChildToParent) => process.stdout.write(`${JSON.stringify(message)}\n`);

/** The stat gate's last (inode, size, mtime) of pool.db-wal, and its read-only connection. */
let gateSignature = "";
let gateDb: Database | undefined;
const lockWaits: LockWait[] = [];
const writes: StoreWrite[] = [];
const probes = new BroadcastChannel(LOCK_WAIT_CHANNEL);
probes.onmessage = (event) => {
	const message = (event as { data: ProbeMessage }).data;
	if (message.kind === "wait") lockWaits.push(message);
	else writes.push(message);
};
probes.unref();

const client: CodexClient = {
	streamSimple: streamSimpleOpenAICodexResponses,
	createStream: createAssistantMessageEventStream,
};
const config = resolveConfig(process.env);
// Production actor settings (as pi runs them), except the usage write period when the bench asks.
const runtime = createRuntime(client, config, persistMs ? { actor: { usagePersistMs: Number(persistMs) } } : {});
const model = { ...getModel("openai-codex", MODEL_ID as never), baseUrl: config.codexBaseUrl };

const t0 = performance.now();
const supervisor = await runtime.supervisor();
// The policy needs usage (and its store write is start-up noise): poll what no other process polls,
// and read the rest from the store.
await supervisor.refreshUsage();
await until(() => supervisor.accounts().every((view) => view.snapshot.usage || view.snapshot.lastError));
await warmUp(process.env.BENCH_WARMUP_TOKEN!);
const learnt = watchLearning(supervisor);
say({ type: "ready", index, pid: process.pid, startMs: Math.round(performance.now() - t0) });

for await (const line of createInterface({ input: process.stdin })) {
	const message = JSON.parse(line) as ParentToChild;
	if (message.cmd === "go") {
		await sleepUntil(message.at);
		const loop = monitorEventLoopDelay({ resolution: 1 });
		loop.enable();
		const startedAt = Date.now();
		const { streams, readMs, statMs } = await runStreams(supervisor, message.streams, message.concurrency);
		loop.disable();
		await new Promise((resolve) => setTimeout(resolve, 50)); // let the last lock waits and writes arrive
		const done: ChildDone = {
			type: "done",
			index,
			startedAt,
			endedAt: Date.now(),
			streams,
			readMs,
			statMs,
			lockWaits,
			writes,
			loopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
			// Unset moments stay out of the JSON line (undefined is not serialized).
			...learnt.seen,
		};
		say(done);
	} else if (message.cmd === "stop") {
		await runtime.stop();
		say({ type: "stopped", index });
		break;
	}
}
process.exit(0);

/** `streams` streams, `concurrency` at a time, each preceded by a timed `store.read()`. */
async function runStreams(supervisor: Supervisor, streams: number, concurrency: number) {
	const results: StreamResult[] = [];
	const readMs: number[] = [];
	const statMs: number[] = [];
	let next = 0;
	const lane = async () => {
		for (let i = next++; i < streams; i = next++) {
			// The alternative to the watch: a read of the same store before each routing decision,
			// and its cheapest form, a stat gate that re-reads (synchronously) only when the file changed.
			const s0 = performance.now();
			const gated = statGate(supervisor.store.file);
			statMs.push(performance.now() - s0);
			if (gated && hasCooldown(gated)) learnt.seen.gateSawAt ??= Date.now();
			const r0 = performance.now();
			const data = await learnt.read();
			readMs.push(performance.now() - r0);
			if (hasCooldown(data)) learnt.seen.probeSawAt ??= Date.now();
			results.push(await oneStream(`p${index}-s${i}`));
		}
	};
	await Promise.all(Array.from({ length: concurrency }, lane));
	return { streams: results, readMs, statMs };
}

async function oneStream(session: string): Promise<StreamResult> {
	const at = Date.now();
	const s0 = performance.now();
	const events: AssistantMessageEvent[] = [];
	try {
		for await (const event of runtime.dispatcher.stream(model, benchContext(), { sessionId: session }))
			events.push(event);
	} catch (error) {
		return { session, at, ok: false, ms: performance.now() - s0, error: String(error) };
	}
	const ms = performance.now() - s0;
	const last = events.at(-1);
	if (last?.type !== "done") {
		const error = last?.type === "error" ? (last.error.errorMessage ?? "error") : "ended without done";
		return { session, at, ok: false, ms, error };
	}
	const text = events.flatMap((e) => (e.type === "text_delta" ? [e.delta] : [])).join("");
	// The fake answers exactly "Hello from <account>."; anything else lost or repeated a delta.
	const servedBy = /^Hello from ([\w-]+)\.$/.exec(text)?.[1];
	return { session, at, ok: true, ms, ...(servedBy ? { servedBy } : { badText: text.slice(0, 200) }) };
}

/**
 * One stream straight through pi-ai, on an account the store does not know: a pi process that has
 * served before has its HTTP client and code paths warm; 16 cold ones at one barrier would time
 * their own first-request start-up instead.
 */
async function warmUp(token: string): Promise<void> {
	const stream = client.streamSimple(model, benchContext(), { apiKey: token, transport: "sse", maxRetries: 0 });
	for await (const event of stream)
		if (event.type === "error") throw new Error(`warm-up: ${event.error.errorMessage}`);
}

/**
 * When this process learnt that the watched account is exhausted: its routing view (`snapshot`),
 * its own failover, the supervisor's store reload (its `read`, wrapped on the instance) and the
 * read probe. `read` is the unwrapped read, for the probe.
 */
function watchLearning(supervisor: Supervisor) {
	const read = supervisor.store.read.bind(supervisor.store);
	const learnt: { read: typeof read; seen: LearntMoments } = { read, seen: { routedToWatched: {} } };
	supervisor.store.read = async () => {
		const data = await read();
		if (hasCooldown(data)) learnt.seen.reloadSawAt ??= Date.now();
		return data;
	};
	supervisor.on("routed", (session, accountId) => {
		if (session && accountId === watched) learnt.seen.routedToWatched[session] = Date.now();
	});
	supervisor.on("snapshot", (snapshot) => {
		if (snapshot.accountId === watched && snapshot.state === "cooling-down") learnt.seen.coolingSeenAt ??= Date.now();
	});
	supervisor.on("failover", (event) => {
		// Only a failover for exhaustion teaches it: under heavy load a timed-out stream fails over
		// ("failed") long before the account runs dry, and counting that made later, legitimate
		// requests to the account look routed "after the process knew".
		if (event.from.id === watched && event.reason === "exhausted") learnt.seen.ownFailoverAt ??= Date.now();
	});
	return learnt;
}

/**
 * The shared state when the database's write-ahead log changed (inode, size, mtime) since the last
 * call, else undefined; read synchronously through a read-only connection of its own.
 */
function statGate(file: string): Pick<StoreData, "state"> | undefined {
	const st = statSync(`${file}-wal`, { bigint: true });
	const signature = `${st.ino}:${st.size}:${st.mtimeNs}`;
	if (signature === gateSignature) return undefined;
	gateSignature = signature;
	gateDb ??= new (sqlite().DatabaseSync)(file, { readOnly: true });
	const rows = gateDb.prepare("SELECT id, value FROM state").all() as { id: string; value: string }[];
	return { state: Object.fromEntries(rows.map((r) => [r.id, JSON.parse(r.value)])) };
}

function hasCooldown(data: Pick<StoreData, "state">): boolean {
	return (data.state[watched]?.cooldownUntil ?? 0) > Date.now();
}

async function until(ready: () => boolean, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!ready()) {
		if (Date.now() > deadline) throw new Error(`child ${index}: actors did not settle`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

async function sleepUntil(at: number): Promise<void> {
	const wait = at - Date.now();
	if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
