/**
 * JSON lines between the bench (parent) and each bench child (one "pi process"): commands on the
 * child's stdin, reports on its stdout. Times are epoch ms (Date.now()): every process shares the
 * machine's clock, and the fake backend logs requests in the same unit.
 */

export type ParentToChild =
	/** Start streams at `at` (a barrier: every child waits for the same instant). */
	| { cmd: "go"; at: number; streams: number; concurrency: number }
	| { cmd: "stop" };

export interface LockWait {
	/** "data" (accounts.json read-modify-write) or "account" (a refresh lock). */
	lock: "data" | "account";
	waitedMs: number;
	attempts: number;
	/** When the lock was held. */
	at: number;
}

export interface StreamResult {
	/** Session id sent upstream: `p<child>-s<stream>`, which ties the fake's log to the stream. */
	session: string;
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
	/** Every lock wait of this process (main thread and actor threads) since the process started. */
	lockWaits: LockWait[];
	/** When this supervisor first showed the watched account cooling down (its `snapshot` event). */
	coolingSeenAt?: number;
	/** When this process itself first failed over away from the watched account (its own 429). */
	ownFailoverAt?: number;
	/** When this supervisor finished applying a store reload (`accounts-changed`), after `go`. */
	reloadsAt: number[];
}

export type ChildToParent = ChildReady | ChildDone | { type: "stopped"; index: number };
