import { AsyncLocalStorage } from "node:async_hooks";
import * as fs from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { lock } from "proper-lockfile";
import { lockWaitChannel } from "./store-diagnostics.ts";
import {
	type LockHolder,
	StoreLockCompromisedError,
	StoreLockReentryError,
	StoreLockTimeoutError,
} from "./store-errors.ts";

/**
 * A cross-process lock on a folder path, on top of proper-lockfile: `mkdir` is the mutex (atomic
 * on local filesystems and on NFS), the holder touches the folder's mtime every `staleMs / 2` so
 * it never looks stale while alive, and a folder older than `staleMs` is taken over (its holder
 * died, e.g. `kill -9`). Staleness compares the folder's mtime with this host's clock, so on a
 * network filesystem hosts need roughly synced clocks (skew eats into the stale margin).
 *
 * Inside one thread, waiters queue on a promise chain instead of polling the folder.
 */

/** proper-lockfile raises any smaller stale time to this. */
export const MIN_STALE_MS = 2000;

const OWNER_FILE = "owner.json";

export interface LockWaitInfo {
	lockPath: string;
	/** From the call to the moment the lock was held. */
	waitedMs: number;
	/** Cross-process attempts (1 = free at once). */
	attempts: number;
}

export interface FileLockOptions {
	/** Age after which a lock folder counts as abandoned. At least MIN_STALE_MS. */
	staleMs: number;
	/** Give up (StoreLockTimeoutError) after waiting this long. */
	timeoutMs: number;
	/** Longest pause between attempts: small for locks held for milliseconds, larger for network holds. */
	maxPollMs: number;
	onWait?: (info: LockWaitInfo) => void;
	/** Turns a failure to create the lock folder (EACCES, EROFS, ENOTDIR...) into the caller's error. */
	mapAcquireError?: (error: unknown) => Error;
}

export interface HeldLock {
	readonly lockPath: string;
	/** Aborted with a StoreLockCompromisedError if the lock is lost while held. */
	readonly signal: AbortSignal;
	/** Throws StoreLockCompromisedError if the lock was lost. */
	assertHeld(): void;
}

/** Tail of each lock's in-thread queue. */
const queues = new Map<string, Promise<void>>();
/** Locks held by the current async call chain, to refuse nesting that would wait for itself. */
const heldByChain = new AsyncLocalStorage<Map<string, { active: boolean }>>();

/** True when the calling async chain holds `lockPath` right now. */
export function isHeldByThisChain(lockPath: string): boolean {
	return heldByChain.getStore()?.get(lockPath)?.active === true;
}

export async function withFileLock<T>(
	lockPath: string,
	options: FileLockOptions,
	fn: (lock: HeldLock) => Promise<T>,
): Promise<T> {
	if (isHeldByThisChain(lockPath)) throw new StoreLockReentryError(lockPath);
	const started = Date.now();
	const deadline = started + options.timeoutMs;

	const previous = queues.get(lockPath) ?? Promise.resolve();
	let leave!: () => void;
	const mine = new Promise<void>((resolve) => {
		leave = resolve;
	});
	// Successors wait for the previous holder too, even if this waiter gives up early.
	const tail = previous.then(() => mine);
	queues.set(lockPath, tail);
	try {
		await waitInQueue(previous, lockPath, started, deadline);
		const lease = await acquire(lockPath, options, started, deadline);
		const entry = { active: true };
		const chain = new Map(heldByChain.getStore());
		chain.set(lockPath, entry);
		try {
			return await heldByChain.run(chain, () => fn(lease.held));
		} finally {
			entry.active = false;
			await lease.release();
		}
	} finally {
		leave();
		if (queues.get(lockPath) === tail) queues.delete(lockPath);
	}
}

async function waitInQueue(previous: Promise<void>, lockPath: string, started: number, deadline: number) {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => {
				void readHolder(lockPath).then((holder) =>
					reject(new StoreLockTimeoutError(lockPath, Date.now() - started, holder)),
				);
			},
			Math.max(0, deadline - Date.now()),
		);
	});
	try {
		await Promise.race([previous, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

interface Lease {
	held: HeldLock;
	release(): Promise<void>;
}

async function acquire(lockPath: string, options: FileLockOptions, started: number, deadline: number): Promise<Lease> {
	const state = { releasing: false };
	const controller = new AbortController();
	const staleMs = Math.max(options.staleMs, MIN_STALE_MS);
	let attempts = 0;
	let delay = 2;
	for (;;) {
		attempts++;
		try {
			const release = await lock(lockPath, {
				stale: staleMs,
				update: staleMs / 2,
				realpath: false,
				retries: 0,
				lockfilePath: lockPath,
				fs: lockFs(state, staleMs),
				// The default throws from a timer and kills the process; record it and abort instead.
				onCompromised: (error) => controller.abort(new StoreLockCompromisedError(lockPath, { cause: error })),
			});
			const info = { lockPath, waitedMs: Date.now() - started, attempts };
			options.onWait?.(info);
			if (lockWaitChannel.hasSubscribers) lockWaitChannel.publish(info);
			return {
				held: {
					lockPath,
					signal: controller.signal,
					assertHeld() {
						if (controller.signal.aborted) throw controller.signal.reason;
					},
				},
				async release() {
					state.releasing = true;
					// After a compromise this is ERELEASED and leaves the new owner's folder alone.
					await release().catch(() => {});
				},
			};
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw options.mapAcquireError?.(error) ?? error;
			const now = Date.now();
			if (now >= deadline) throw new StoreLockTimeoutError(lockPath, now - started, await readHolder(lockPath));
			// Jittered exponential backoff; the jitter keeps waiting processes from retrying in step.
			await sleep(Math.min(delay * (0.5 + Math.random()), deadline - now));
			delay = Math.min(delay * 2, options.maxPollMs);
		}
	}
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function elocked(lockPath: string): NodeJS.ErrnoException {
	return Object.assign(new Error(`${lockPath} is already held`), { code: "ELOCKED" });
}

type Callback = (error: NodeJS.ErrnoException | null) => void;

/**
 * The filesystem proper-lockfile uses for one acquisition: records who holds the lock inside the
 * folder (written before proper-lockfile stamps the folder's mtime, so its own mtime check holds),
 * and narrows the stale-takeover race: just before removing a "stale" folder it looks again, so a
 * folder another waiter re-created a moment ago is left alone.
 */
function lockFs(state: { releasing: boolean }, staleMs: number) {
	const owner = (): string =>
		JSON.stringify({ pid: process.pid, hostname: hostname(), acquiredAt: Date.now() } satisfies LockHolder);
	return {
		stat: fs.stat,
		utimes: fs.utimes,
		realpath: fs.realpath,
		mkdir(path: string, callback: Callback) {
			fs.mkdir(path, (error) => {
				if (error) return callback(error);
				// Best effort: the holder's identity only improves the timeout message.
				fs.writeFile(join(path, OWNER_FILE), owner(), { mode: 0o600 }, () => callback(null));
			});
		},
		rmdir(path: string, callback: Callback) {
			const remove = () => fs.rm(join(path, OWNER_FILE), { force: true }, () => fs.rmdir(path, callback));
			if (state.releasing) return remove();
			fs.stat(path, (error, st) => {
				if (error) return callback(error);
				if (st.mtimeMs >= Date.now() - staleMs) return callback(elocked(path));
				remove();
			});
		},
		// Used by proper-lockfile's exit hook to drop locks still held when the process exits.
		rmdirSync(path: string) {
			fs.rmSync(join(path, OWNER_FILE), { force: true });
			fs.rmdirSync(path);
		},
	};
}

/** The holder recorded in a lock folder, if it is there and readable. */
export async function readHolder(lockPath: string): Promise<LockHolder | undefined> {
	try {
		const raw: unknown = JSON.parse(await readFile(join(lockPath, OWNER_FILE), "utf8"));
		const h = raw as Partial<LockHolder>;
		if (typeof h.pid === "number" && typeof h.hostname === "string" && typeof h.acquiredAt === "number") {
			return { pid: h.pid, hostname: h.hostname, acquiredAt: h.acquiredAt };
		}
	} catch {
		// No owner file (holder died between mkdir and writing it) or unreadable: unknown holder.
	}
	return undefined;
}
