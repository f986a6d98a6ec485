/**
 * Preloaded (`node --import`) into each bench child and, through the inherited execArgv, into each
 * of its actor worker threads, where the store writes happen. Two probes, reported to the child's
 * main thread on a BroadcastChannel:
 *
 * - Lock waits, from the core's own hook: `AccountStore`'s `onLockWait` option. The stores that
 *   take locks are built inside the actors as `new AccountStore({ home })`, out of reach without
 *   editing src; the constructor reads `options.onLockWait`, so a non-enumerable property on
 *   Object.prototype supplies it to every store built in the thread (spreads, JSON and postMessage
 *   never see it). Bench children only.
 * - Every `update` of the actor's store (wrapped on the prototype of the very module the actor
 *   loads): how long the lock was held, failures (a lock timeout is otherwise silent: the actor
 *   swallows usage-write errors), and when the watched account's cooldown landed on disk: the
 *   moment its rename returned (fs/promises `rename`, wrapped), before the folder fsync and the
 *   lock release that the update still waits for.
 */
import { createRequire, syncBuiltinESMExports } from "node:module";
import { setPriority } from "node:os";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { BroadcastChannel, isMainThread } from "node:worker_threads";
import type { StoreData } from "../../src/store/account-record.ts";
import type { AccountStore } from "../../src/store/account-store.ts";
import type { LockWaitInfo } from "../../src/store/file-lock.ts";
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

Object.defineProperty(Object.prototype, "onLockWait", {
	configurable: true,
	enumerable: false,
	writable: true,
	value(info: LockWaitInfo) {
		const lock = basename(info.lockPath) === "accounts.json.lock" ? "data" : "account";
		post({ kind: "wait", lock, waitedMs: info.waitedMs, attempts: info.attempts, at: Date.now() });
	},
});

const entry = process.env.PI_DISPATCH_ACTOR_WORKER;
let lastRenameAt = 0;
if (!isMainThread && entry) {
	wrapRename();
	await wrapUpdates(new URL("../src/store/account-store.js", pathToFileURL(entry)));
}

/** Notes when a rename onto accounts.json returns: the new file is visible to every reader. */
function wrapRename(): void {
	const fsp = createRequire(import.meta.url)("node:fs/promises") as typeof import("node:fs/promises");
	const rename = fsp.rename;
	fsp.rename = async (from, to) => {
		await rename(from, to);
		if (basename(String(to)) === "accounts.json") lastRenameAt = Date.now();
	};
	syncBuiltinESMExports(); // `import { rename } from "node:fs/promises"` now gets the wrapper
}

/** The actor imports `../src/store/account-store.js` beside its entry: the same URL, the same class. */
async function wrapUpdates(moduleUrl: URL): Promise<void> {
	const { AccountStore: Store } = (await import(moduleUrl.href)) as { AccountStore: typeof AccountStore };
	const watched = process.env.BENCH_WATCH_ACCOUNT ?? "";
	const original = Store.prototype.update;
	Store.prototype.update = async function update<T>(
		this: AccountStore,
		mutate: (data: StoreData) => T | Promise<T>,
	): Promise<T> {
		const calledAt = Date.now();
		let lockedAt: number | undefined;
		let cooldownWrite = false;
		try {
			const result = await original.call(this, async (data: StoreData) => {
				lockedAt = Date.now();
				const before = data.state[watched]?.cooldownUntil;
				const value = await mutate(data);
				const after = data.state[watched]?.cooldownUntil;
				cooldownWrite = after !== undefined && after !== before && after > Date.now();
				return value;
			});
			const renamedAt = lockedAt !== undefined && lastRenameAt >= lockedAt ? lastRenameAt : undefined;
			post({ kind: "update", calledAt, lockedAt, renamedAt, doneAt: Date.now(), cooldownWrite });
			return result as T;
		} catch (error) {
			const name = error instanceof Error ? error.name : "error";
			post({ kind: "update", calledAt, lockedAt, doneAt: Date.now(), cooldownWrite: false, error: name });
			throw error;
		}
	};
}
