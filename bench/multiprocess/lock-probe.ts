/**
 * Preloaded (`node --import`) into each bench child and, through the inherited execArgv, into each
 * of its actor worker threads, where the store writes happen. It subscribes to the store's
 * diagnostics channels (src/store/store-diagnostics.ts; they work in every thread) and reports to
 * the child's main thread on a BroadcastChannel:
 *
 * - `pi-dispatch:store:lock-wait`: every lock obtained, how long it took and how many attempts.
 * - `pi-dispatch:store:write`: every `AccountStore.update` that wrote (lock held, when the new
 *   file was in place) or failed (a lock timeout is otherwise silent: the actor swallows
 *   usage-write errors). The event does not say what changed, so after an ok write the probe reads
 *   the watched account's `cooldownUntil` from the file, synchronously, inside the subscriber: the
 *   store publishes before it releases the data lock, so no other writer can have replaced the
 *   file yet and the read sees exactly this write's content (analyze.ts dates the cooldown's
 *   landing from it).
 */
import { subscribe } from "node:diagnostics_channel";
import { readFileSync } from "node:fs";
import { setPriority } from "node:os";
import { basename } from "node:path";
import { BroadcastChannel } from "node:worker_threads";
import type { StoreData } from "../../src/store/account-record.ts";
import type { LockWaitInfo } from "../../src/store/file-lock.ts";
import { lockWaitChannel, type StoreWriteEvent, storeWriteChannel } from "../../src/store/store-diagnostics.ts";
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
	const lock = basename(info.lockPath) === "accounts.json.lock" ? "data" : "account";
	post({ kind: "wait", lock, waitedMs: info.waitedMs, attempts: info.attempts, at: Date.now() });
});

subscribe(storeWriteChannel.name, (message) => {
	const event = message as StoreWriteEvent;
	if (!event.ok) {
		post({ kind: "write", at: event.at, heldMs: event.heldMs, ok: false, code: event.code ?? "unknown" });
		return;
	}
	const cooldownUntil = cooldownOnDisk(event.file);
	post({ kind: "write", at: event.at, heldMs: event.heldMs, ok: true, ...(cooldownUntil ? { cooldownUntil } : {}) });
});

/**
 * The watched account's `cooldownUntil` in the file as the write just left it. Called while the
 * writer still holds the data lock: a lock-free `AccountStore.read()` would run after the release
 * and could see a later writer's file instead. Costs a small synchronous read + parse per write.
 */
function cooldownOnDisk(file: string): number | undefined {
	try {
		const data = JSON.parse(readFileSync(file, "utf8")) as StoreData;
		return data.state?.[watched]?.cooldownUntil;
	} catch {
		return undefined;
	}
}
