/**
 * JSON lines between the bench (parent) and each bench child (one "pi process"): commands on the
 * child's stdin, reports on its stdout. Times are epoch ms (Date.now()): every process shares the
 * machine's clock, and the fake backend logs requests in the same unit.
 */

export type ParentToChild =
	/** Start streams at `at` (a barrier: every child waits for the same instant). */
	{ cmd: "go"; at: number; streams: number; concurrency: number } | { cmd: "stop" };

export interface LockWait {
	kind: "wait";
	/** "data" (accounts.json read-modify-write) or "account" (a refresh lock). */
	lock: "data" | "account";
	waitedMs: number;
	attempts: number;
	/** When the lock was held. */
	at: number;
}

/** One `pi-dispatch:store:write` event: an `AccountStore.update` (in any thread of a child) that wrote or failed. */
export interface StoreWrite {
	kind: "write";
	/** When the new file was in place (renamed, folder fsync'd; the lock not yet released), or the update failed. */
	at: number;
	/** Data lock held: taken → `at` (0 when a failed update never had it). */
	heldMs: number;
	ok: boolean;
	/** The error's code when the update failed (e.g. E_STORE_LOCK_TIMEOUT). */
	code?: string;
	/** The watched account's `cooldownUntil` in the file this write left (absent: none, or not ok). */
	cooldownUntil?: number;
}

/** What lock-probe.ts posts from every thread of a child. */
export type ProbeMessage = LockWait | StoreWrite;

export interface StreamResult {
	/** Session id sent upstream: `p<child>-s<stream>`, which ties the fake's log to the stream. */
	session: string;
	/** Epoch ms of the call (after the read probe). */
	at: number;
	ok: boolean;
	/** Call → done/error. */
	ms: number;
	/** The account named in the text ("Hello from <id>."), when the text has that exact shape. */
	servedBy?: string;
	/** Text that is not exactly one greeting (lost or duplicated deltas). */
	badText?: string;
	error?: string;
}

export interface ChildReady {
	type: "ready";
	index: number;
	pid: number;
	/** Supervisor.start → every actor ready and its start-up usage poll answered. */
	startMs: number;
}

export interface ChildDone {
	type: "done";
	index: number;
	startedAt: number;
	endedAt: number;
	streams: StreamResult[];
	/** `store.read()` timed before each routing decision (the "cheap read" alternative). */
	readMs: number[];
	/** A stat gate before each routing decision: `statSync`, and `readFileSync` + parse on change. */
	statMs: number[];
	/** Every lock wait of this process (main thread and actor threads) since the process started. */
	lockWaits: LockWait[];
	/** Every store write (or failed update) of this process since it started. */
	writes: StoreWrite[];
	/** When this supervisor first showed the watched account cooling down (its `snapshot` event). */
	coolingSeenAt?: number;
	/** When this process itself first failed over away from the watched account for exhaustion (its own 429). */
	ownFailoverAt?: number;
	/** When this supervisor's store reload (the file watch's doing) first read the cooldown. */
	reloadSawAt?: number;
	/** When the read probe before a routing decision first read it: when that alternative would know. */
	probeSawAt?: number;
	/** When the stat gate first read it. */
	gateSawAt?: number;
	/** Session → when this supervisor routed it to the watched account (its `routed` event). */
	routedToWatched: Record<string, number>;
	/** Main-thread event-loop delay during the streams: what every await (a read too) queues behind. */
	loopDelayMs: { p50: number; p99: number; max: number };
}

export type ChildToParent = ChildReady | ChildDone | { type: "stopped"; index: number };
