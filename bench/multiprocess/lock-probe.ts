/**
 * Preloaded (`node --import`) into each bench child and, through the inherited execArgv, into each
 * of its actor worker threads, where the store writes happen. It subscribes to the store's
 * diagnostics channels (src/store/store-diagnostics.ts; they work in every thread) and reports to
 * the child's main thread on a BroadcastChannel:
 *
 * - `pi-dispatch:store:lock-wait`: every lock obtained, how long it took and how many attempts.
 * - `pi-dispatch:store:write`: every `AccountStore.update` transaction (lock held, when it
 *   committed) or failed (a lock timeout is otherwise silent: the actor swallows
 *   usage-write errors). The event carries the shared state as the committed transaction left it,
 *   so the watched account's `cooldownUntil` is exactly this write's (analyze.ts dates the
 *   cooldown's landing from it).
 */
import { subscribe } from "node:diagnostics_channel";
import { setPriority } from "node:os";
import { BroadcastChannel } from "node:worker_threads";
import {
	type LockWaitInfo,
	lockWaitChannel,
	type StoreWriteEvent,
	storeWriteChannel,
} from "../../src/store/store-diagnostics.ts";
import type { ProbeMessage } from "./protocol.ts";

export const LOCK_WAIT_CHANNEL = "pi-dispatch-bench-lock-waits";

/**
 * The fake backend stands in for a remote service with CPUs of its own; 16 clients at the same
 * priority would starve it (it then logs arrivals a second late). So every child thread runs at
 * nice 5: on Linux this sets the calling thread, and the threads it creates later inherit it.
 */
export const CHILD_NICE = 5;
try {
	setPriority(CHILD_NICE);
} catch {
	// Not allowed here: the run goes on at normal priority.
}

const channel = new BroadcastChannel(LOCK_WAIT_CHANNEL);
channel.unref(); // never keeps an actor thread (or the child) alive
const post = (message: ProbeMessage) => channel.postMessage(message);
const watched = process.env.BENCH_WATCH_ACCOUNT ?? "";

subscribe(lockWaitChannel.name, (message) => {
	const info = message as LockWaitInfo;
	const lock = info.lockPath.includes("#lease:") ? "account" : "data";
	post({ kind: "wait", lock, waitedMs: info.waitedMs, attempts: info.attempts, at: Date.now() });
});

subscribe(storeWriteChannel.name, (message) => {
	const event = message as StoreWriteEvent;
	if (!event.ok) {
		post({ kind: "write", at: event.at, heldMs: event.heldMs, ok: false, code: event.code ?? "unknown" });
		return;
	}
	const cooldownUntil = event.state?.[watched]?.cooldownUntil;
	post({ kind: "write", at: event.at, heldMs: event.heldMs, ok: true, ...(cooldownUntil ? { cooldownUntil } : {}) });
});
