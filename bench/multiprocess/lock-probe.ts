/**
 * Preloaded (`node --import`) into each bench child and, through the inherited execArgv, into each
 * of its actor worker threads. The core reports every lock wait through `AccountStore`'s
 * `onLockWait` option, but the stores that take locks are built inside the supervisor and the
 * actors as `new AccountStore({ home })`, out of reach without editing src. The constructor reads
 * `options.onLockWait`, so a non-enumerable property on Object.prototype supplies it to every store
 * built in this thread (spreads, JSON and postMessage never see it). Bench children only.
 * Waits go to the child's main thread on a BroadcastChannel.
 */
import { basename } from "node:path";
import { BroadcastChannel } from "node:worker_threads";
import type { LockWaitInfo } from "../../src/store/file-lock.ts";
import type { LockWait } from "./protocol.ts";

export const LOCK_WAIT_CHANNEL = "pi-dispatch-bench-lock-waits";

const channel = new BroadcastChannel(LOCK_WAIT_CHANNEL);
channel.unref(); // never keeps an actor thread (or the child) alive

Object.defineProperty(Object.prototype, "onLockWait", {
	configurable: true,
	enumerable: false,
	writable: true,
	value(info: LockWaitInfo) {
		const wait: LockWait = {
			lock: basename(info.lockPath) === "accounts.json.lock" ? "data" : "account",
			waitedMs: info.waitedMs,
			attempts: info.attempts,
			at: Date.now(),
		};
		channel.postMessage(wait);
	},
});
