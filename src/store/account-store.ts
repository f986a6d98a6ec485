import { chmodSync, existsSync, type FSWatcher, mkdirSync, statSync, watch } from "node:fs";
import { isAbsolute, join } from "node:path";
import { isMainThread } from "node:worker_threads";
import { DispatchError } from "../errors.ts";
import type { AccountCredentials, StoreData } from "./account-record.ts";
import { keepCopyOf } from "./keep-copy.ts";
import { whileLeaseRenewed } from "./lease-hold.ts";
import {
	type LeaseHolder,
	listLeases,
	markHeld,
	releaseLease,
	releaseProcessLeases,
	releaseThreadLeases,
	renewLease,
	sweepDeadLeases,
	tryTakeLease,
} from "./leases.ts";
import { readPending, removePending } from "./pending-save.ts";
import {
	DB_NAME,
	isCorruptError,
	isDirectoryAt,
	LEGACY_NAME,
	openPoolDb,
	readData,
	retireLegacy,
	writeData,
} from "./pool-db.ts";
import type { PoolStore, RotationOutcome, StoreHealth } from "./pool-store.ts";
import { newOwner } from "./process-identity.ts";
import { ReentryGuard } from "./reentry-guard.ts";
import { adoptCredentials, saveRotationOrSideFile } from "./rotation-save.ts";
import type { Database } from "./sqlite.ts";
import { errorCodeName, SQLITE_BUSY, SQLITE_CANTOPEN, sqlite, sqliteCode, statement } from "./sqlite.ts";
import type { FileStoreConfig } from "./store-config.ts";
import { type LockWaitInfo, lockWaitChannel, type StoreWriteEvent, storeWriteChannel } from "./store-diagnostics.ts";
import {
	StoreCorruptError,
	StoreHomeError,
	StoreInvalidUpdateError,
	StoreLockReentryError,
	StoreLockTimeoutError,
	StoreReadError,
	StoreWriteError,
} from "./store-errors.ts";
import { isObject, storeDataProblem } from "./store-shape.ts";
import { appendSample, readSamples } from "./usage-history.ts";
import type { UsageSample } from "./usage-sample.ts";

export interface AccountStoreOptions {
	/** The state folder (absolute); the database is `<home>/pool.db`. */
	home: string;
	/** Give up waiting for an account's refresh lease after this long. Default 60 s. */
	accountLockTimeoutMs?: number;
	/** A lease not renewed for this long is free (the only rule for holders on another host). Default 30 s. */
	leaseTtlMs?: number;
	/** How long a write waits for the database's write lock (held for milliseconds). Default 10 s. */
	busyTimeoutMs?: number;
	/** Told how long each lock took to get (benchmarks, diagnostics). */
	onLockWait?: (info: LockWaitInfo) => void;
	/** Off in tests of the poll path (file systems where fs.watch is deaf). Default on. */
	useFsWatch?: boolean;
}

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** A waiter re-checks a held lease this often even without a change event (dead holders, missed events). */
const LEASE_RECHECK_MS = 250;

export type { RotationSave } from "./pool-store.ts";

/**
 * The pool shared by every pi process of one pi agent folder: one SQLite database in WAL mode.
 *
 * - `update` is one write transaction (`BEGIN IMMEDIATE`): the lock is SQLite's, held for the
 *   milliseconds of a read-modify-write and released by the OS if the process dies.
 * - `withAccountLock` is a lease row for the length of a token call, owned by host + pid + start
 *   time + thread; a dead holder on this host is taken over at once, waiters wake on the commit
 *   that releases it (a change of the `-wal` file) and re-check every 250 ms.
 * - A bad database (not SQLite, invalid rows, newer schema) is never written over; a byte copy of a
 *   file that is not a database is kept beside it.
 * - Needs a local file system: WAL uses shared memory, which network file systems do not share.
 */
export class AccountStore implements PoolStore {
	readonly home: string;
	readonly file: string;
	readonly config: FileStoreConfig;
	readonly #options: AccountStoreOptions;
	#db: Database | undefined;
	readonly #reentry = new ReentryGuard();
	#watcher: FSWatcher | undefined;
	readonly #changeListeners = new Set<() => void>();
	/** Change events seen on the folder (commits of any connection). */
	#changes = 0;

	constructor(options: AccountStoreOptions) {
		if (!options.home || !isAbsolute(options.home)) throw new StoreHomeError(options.home);
		this.home = options.home;
		this.file = join(this.home, DB_NAME);
		this.config = { kind: "file", home: this.home };
		this.#options = options;
	}

	/** A local file is always there to try (its errors come from each call). */
	health(): StoreHealth {
		return { reachable: true };
	}

	/** The current data; empty when nothing was stored yet. Takes no lock. */
	async read(): Promise<StoreData> {
		// Nothing stored yet (no database, nothing to import): empty, and nothing is created.
		if (!this.#db && !existsSync(this.file) && !existsSync(join(this.home, LEGACY_NAME))) {
			return { accounts: [], state: {} };
		}
		return this.#load(this.#open());
	}

	/**
	 * Read-modify-write in one transaction: `mutate` changes `data` in place, its return value is
	 * passed through. If it throws, nothing is written. A synchronous `mutate` runs inside the
	 * transaction. An async one runs on a copy outside it (no transaction ever spans an await, so
	 * no store in this thread can block another); if another writer changed the data meanwhile it
	 * is run again on the new data. Never call `update` or `withAccountLock` from inside `mutate`
	 * (that throws StoreLockReentryError rather than deadlocking).
	 */
	update<T>(mutate: (data: StoreData) => T | Promise<T>): Promise<T> {
		if (this.#reentry.inUpdate) return Promise.reject(new StoreLockReentryError(this.file));
		return this.#update(mutate);
	}

	async #update<T>(mutate: (data: StoreData) => T | Promise<T>): Promise<T> {
		for (let attempt = 0; ; attempt++) {
			let pending: { before: string; data: StoreData } | undefined;
			const outcome = this.#transaction((db, before): { done: T } | { async: PromiseLike<T> } => {
				const data = structuredClone(before);
				const result = this.#reentry.mutate(() => mutate(data));
				if (isThenable(result)) {
					// Async: nothing is written in this transaction; the rest happens below.
					pending = { before: JSON.stringify(before), data };
					return { async: result as PromiseLike<T> };
				}
				this.#check(data);
				writeData(db, data, before);
				return { done: result as T };
			});
			if ("done" in outcome) return outcome.done;
			const result = await outcome.async;
			const copy = pending!;
			const retry = this.#transaction((db, now) => {
				if (JSON.stringify(now) !== copy.before) return true;
				this.#check(copy.data);
				writeData(db, copy.data, now);
				return false;
			});
			if (!retry) return result;
			if (attempt >= 20) throw new StoreLockTimeoutError(this.file, 0, undefined);
		}
	}

	#check(data: StoreData): void {
		const value: unknown = data;
		const problem = isObject(value) ? storeDataProblem(value) : "data must be an object";
		if (problem) throw new StoreInvalidUpdateError(this.file, problem);
	}

	/** One synchronous write transaction over the current data; errors of `fn` roll back and pass through. */
	#transaction<R>(fn: (db: Database, data: StoreData) => R): R {
		const asked = performance.now();
		let lockedAt = 0;
		try {
			const db = this.#open();
			this.#begin(db);
			lockedAt = performance.now();
			this.#publishWait({ lockPath: this.file, waitedMs: lockedAt - asked, attempts: 1 });
			let committed = false;
			try {
				const data = this.#load(db);
				const result = fn(db, data);
				db.exec("COMMIT");
				committed = true;
				if (storeWriteChannel.hasSubscribers) {
					this.#publishWrite({ ok: true, heldMs: performance.now() - lockedAt, state: this.#load(db).state });
				}
				return result;
			} finally {
				if (!committed) rollback(db);
			}
		} catch (error) {
			const mapped = this.#mapError(error, "write");
			const code = (mapped as { code?: unknown }).code;
			this.#publishWrite({
				ok: false,
				heldMs: lockedAt ? performance.now() - lockedAt : 0,
				...(typeof code === "string" ? { code } : {}),
			});
			throw mapped;
		}
	}

	/**
	 * Stores tokens a refresh just returned, in one short transaction, if the account still holds
	 * the refresh token they replace (compare-and-set). Retries a failing write, then falls back to
	 * a side file (merged on the next open); never throws for a refused write: the caller keeps the
	 * tokens in memory and says "login not saved". `conflict` when the account moved on meanwhile.
	 */
	async saveRotation(
		accountId: string,
		replaces: string,
		credentials: AccountCredentials,
		retries = 2,
	): Promise<RotationOutcome> {
		return saveRotationOrSideFile(
			{
				home: this.home,
				write: (apply) => this.#durably(() => this.update(apply)),
				retryable: (error) => error instanceof StoreWriteError,
				reason: (error) => (error instanceof DispatchError ? shortReason(error) : errorCodeName(error)),
				sideFileRefused: (reason, error) => `${reason}; side file refused too (${errorCodeName(error)})`,
			},
			accountId,
			replaces,
			credentials,
			retries,
		);
	}

	/** Runs `fn` with every commit fsynced (synchronous=FULL): a rotated token survives power loss too. */
	async #durably<T>(fn: () => Promise<T>): Promise<T> {
		const db = this.#open();
		db.exec("PRAGMA synchronous = FULL");
		try {
			return await fn();
		} finally {
			db.exec("PRAGMA synchronous = NORMAL");
		}
	}

	/**
	 * Hold this account's refresh lease while `fn` runs (one per account, across every process).
	 * `signal` aborts if the lease is lost; the call then fails with StoreLockCompromisedError after
	 * `fn` settles. `fn` may call `update`; `withAccountLock` must not be called inside `update`.
	 */
	async withAccountLock<T>(accountId: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
		const name = `refresh:${accountId}`;
		const lockPath = `${this.file}#lease:${name}`;
		if (this.#reentry.inUpdate) throw new StoreLockReentryError(this.file);
		if (this.#reentry.holds(name)) throw new StoreLockReentryError(lockPath);
		const owner = newOwner();
		const ttl = this.#options.leaseTtlMs ?? 30_000;
		const timeoutMs = this.#options.accountLockTimeoutMs ?? 60_000;
		const asked = performance.now();
		let attempts = 0;
		let holder: LeaseHolder | undefined;
		// Counted as this thread's from the first attempt: a row of ours is never "left over" while
		// its acquisition is still resolving.
		markHeld(owner, true);
		// Listening before the first attempt: a release that commits between a failed attempt and the
		// wait is counted, not missed (it would cost a 250 ms re-check).
		const listen = () => undefined;
		this.#changeListeners.add(listen);
		this.#ensureWatcher();
		try {
			for (;;) {
				attempts++;
				const seen = this.#changes;
				const outcome = await this.#serialTx((db) => tryTakeLease(db, name, owner, ttl, Date.now()));
				if (outcome.taken) break;
				if (this.#changes !== seen) continue;
				holder = outcome.holder;
				const waited = performance.now() - asked;
				if (waited >= timeoutMs) {
					throw new StoreLockTimeoutError(lockPath, Math.round(waited), {
						pid: holder.pid,
						hostname: holder.host,
						acquiredAt: holder.expiresAt - ttl,
					});
				}
				await this.#nextChange(Math.min(LEASE_RECHECK_MS, timeoutMs - waited));
			}
		} catch (error) {
			markHeld(owner, false);
			throw error;
		} finally {
			this.#changeListeners.delete(listen);
			this.#maybeCloseWatcher();
		}
		this.#publishWait({ lockPath, waitedMs: performance.now() - asked, attempts });
		try {
			return await whileLeaseRenewed(
				ttl,
				lockPath,
				() => this.#serialTx((db) => renewLease(db, name, owner, ttl, Date.now())),
				(signal) => this.#reentry.holding(name, () => fn(signal)),
			);
		} finally {
			markHeld(owner, false);
			// A refused release (read-only folder) leaves a row that this thread takes over at its next
			// attempt, that others take over once it expires or this process is gone; retry it meanwhile.
			await this.#serialTx((db) => releaseLease(db, name, owner)).catch(() => this.#releaseLater(name, owner));
		}
	}

	#releaseLater(name: string, owner: ReturnType<typeof newOwner>, delayMs = 500): void {
		setTimeout(() => {
			void this.#serialTx((db) => releaseLease(db, name, owner)).catch(() => {
				if (delayMs < 30_000) this.#releaseLater(name, owner, delayMs * 2);
			});
		}, delayMs).unref();
	}

	/** Releases every lease held by a (terminated) worker thread of this process. */
	releaseLeasesOfThread(threadId: number): Promise<number> {
		return this.#serialTx((db) => releaseThreadLeases(db, threadId));
	}

	/**
	 * Adds a point to the account's usage history (`usage_history`): false when the pool already has
	 * one from the last minute (another process, or this one, wrote it). Bounded: a week, thinned.
	 */
	appendUsageSample(accountId: string, sample: UsageSample): Promise<boolean> {
		return this.#serialTx((db) => appendSample(db, accountId, sample));
	}

	/** The account's usage history since `sinceMs`, oldest first. Not for a request's path. */
	async readUsageHistory(accountId: string, sinceMs: number): Promise<UsageSample[]> {
		if (!this.#db && !existsSync(this.file)) return [];
		try {
			return readSamples(this.#open(), accountId, sinceMs);
		} catch (error) {
			throw this.#mapError(error, "read");
		}
	}

	/** Every lease row now (tests, diagnostics). */
	async leases(): Promise<({ name: string } & LeaseHolder)[]> {
		return listLeases(this.#open());
	}

	/**
	 * Call `onChange` soon after another connection (process, thread or store instance) commits,
	 * never for this instance's own writes. fs.watch on the folder wakes it; a 500 ms poll of
	 * `PRAGMA data_version` is the fallback. Returns the unsubscribe. Keeps nothing alive.
	 */
	watch(onChange: () => void): () => void {
		let last: number | undefined;
		let closed = false;
		const check = () => {
			if (closed) return;
			let version: number;
			try {
				version = this.#dataVersion();
			} catch {
				return;
			}
			if (last === undefined || version === last) {
				last = version;
				return;
			}
			last = version;
			try {
				onChange();
			} catch (error) {
				// A throwing listener must not crash pi from a timer callback.
				process.emitWarning(`pi-dispatch store watch listener threw: ${(error as Error)?.name ?? "error"}`);
			}
		};
		check();
		this.#changeListeners.add(check);
		this.#ensureWatcher();
		const timer = setInterval(check, 500);
		timer.unref();
		return () => {
			closed = true;
			clearInterval(timer);
			this.#changeListeners.delete(check);
			this.#maybeCloseWatcher();
		};
	}

	/** Closes the connection (a later call reopens it). */
	close(): void {
		this.#watcher?.close();
		this.#watcher = undefined;
		this.#db?.close();
		this.#db = undefined;
	}

	// -------------------------------------------------------------------------------------------

	/** A short synchronous write transaction (leases). */
	async #serialTx<T>(fn: (db: Database) => T): Promise<T> {
		try {
			const db = this.#open();
			this.#begin(db);
			try {
				const result = fn(db);
				db.exec("COMMIT");
				return result;
			} catch (error) {
				rollback(db);
				throw error;
			}
		} catch (error) {
			throw this.#mapError(error, "write");
		}
	}

	/**
	 * Takes the write lock. SQLite's own busy handler sleeps 50–100 ms between tries once it has
	 * waited a while, long after a short transaction has ended; this tries every millisecond
	 * instead (the wait blocks this thread, as SQLite's would), up to the busy timeout.
	 */
	#begin(db: Database): void {
		const deadline = performance.now() + (this.#options.busyTimeoutMs ?? 10_000);
		for (;;) {
			try {
				db.exec("BEGIN IMMEDIATE");
				return;
			} catch (error) {
				if (sqliteCode(error) !== SQLITE_BUSY || performance.now() >= deadline) throw error;
				Atomics.wait(sleeper, 0, 0, 1);
			}
		}
	}

	#dataVersion(): number {
		const row = statement(this.#open(), "PRAGMA data_version").get() as { data_version: number };
		return Number(row.data_version);
	}

	#open(): Database {
		if (this.#db) return this.#db;
		if (isDirectoryAt(this.file)) throw new StoreReadError(this.file, "EISDIR");
		this.#ensureHome();
		let db: Database;
		try {
			db = openPoolDb(this.home, this.#options.busyTimeoutMs ?? 10_000);
		} catch (error) {
			throw this.#mapError(error, "open");
		}
		this.#db = db;
		sweepOnExit(this.file);
		retireLegacy(this.home, db);
		tighten(this.file);
		this.#mergePending(db);
		// Rows of holders killed outright (kill -9, Ctrl-C with no handler) are inert; drop them.
		try {
			db.exec("BEGIN IMMEDIATE");
			sweepDeadLeases(db);
			db.exec("COMMIT");
		} catch {
			rollback(db);
		}
		return db;
	}

	#ensureHome(): void {
		try {
			mkdirSync(this.home, { recursive: true, mode: DIR_MODE });
			// Tokens live here: no one else may list or read the folder (also tightens an old 0755 one).
			if ((statSync(this.home).mode & 0o077) !== 0) chmodSync(this.home, DIR_MODE);
		} catch (error) {
			throw new StoreWriteError(this.file, errorCodeName(error), { cause: error });
		}
	}

	#load(db: Database): StoreData {
		let result: StoreData | string;
		try {
			result = readData(db);
		} catch (error) {
			throw this.#mapError(error, "read");
		}
		if (typeof result === "string") throw new StoreCorruptError(this.file, result, this.#keepRowsCopy(db));
		return result;
	}

	/** Side files left by a save that failed: applied when the account still holds the token they replaced. */
	#mergePending(db: Database): void {
		for (const { file, pending } of readPending(this.home)) {
			try {
				this.#begin(db);
				const row = statement(db, "SELECT record FROM accounts WHERE id = ?").get(pending.accountId) as
					| { record: string }
					| undefined;
				const record = row ? JSON.parse(row.record) : undefined;
				if (record?.credentials?.refresh === pending.replaces) {
					adoptCredentials(record, pending.credentials);
					statement(db, "UPDATE accounts SET record = ? WHERE id = ?").run(
						JSON.stringify(record),
						pending.accountId,
					);
				}
				db.exec("COMMIT");
				removePending(file);
			} catch {
				rollback(db);
				// Still not writable: the side file stays for the next open.
			}
		}
	}

	#keepRowsCopy(db: Database): string | undefined {
		try {
			const target = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
			db.prepare("VACUUM INTO ?").run(target);
			tighten(target);
			return target;
		} catch {
			return undefined;
		}
	}

	#mapError(error: unknown, op: "open" | "read" | "write"): Error {
		if (error instanceof DispatchError) return error;
		// The caller's own errors (a throwing mutate) pass through untouched.
		if (sqliteCode(error) === undefined && typeof (error as NodeJS.ErrnoException)?.syscall !== "string")
			return error as Error;
		if (isCorruptError(error)) {
			this.#db?.close();
			this.#db = undefined;
			let backup: string | undefined;
			try {
				backup = keepCopyOf(this.file, "corrupt");
			} catch {
				backup = undefined;
			}
			return new StoreCorruptError(this.file, "file is not a database", backup);
		}
		if (isDirectoryAt(this.file)) return new StoreReadError(this.file, "EISDIR", { cause: error });
		const code = errorCodeName(error);
		if (op === "read" && sqliteCode(error) !== SQLITE_CANTOPEN)
			return new StoreReadError(this.file, code, { cause: error });
		return new StoreWriteError(this.file, code, { cause: error });
	}

	#ensureWatcher(): void {
		if (this.#watcher || this.#options.useFsWatch === false) return;
		try {
			this.#watcher = watch(this.home, { persistent: false }, (_event, name) => {
				const n = name?.toString();
				if (n !== null && n !== undefined && n !== DB_NAME && n !== `${DB_NAME}-wal`) return;
				this.#changes++;
				for (const listener of [...this.#changeListeners]) listener();
			});
			this.#watcher.on("error", () => {
				this.#watcher?.close();
				this.#watcher = undefined;
			});
		} catch {
			this.#watcher = undefined;
		}
	}

	#maybeCloseWatcher(): void {
		if (this.#changeListeners.size > 0) return;
		this.#watcher?.close();
		this.#watcher = undefined;
	}

	/** Resolves at the next commit seen in the folder, or after `ms`. */
	#nextChange(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.#changeListeners.delete(done);
				this.#maybeCloseWatcher();
				resolve();
			};
			const timer = setTimeout(done, Math.max(1, ms));
			this.#changeListeners.add(done);
			this.#ensureWatcher();
		});
	}

	#publishWait(info: LockWaitInfo): void {
		const rounded = { ...info, waitedMs: Math.round(info.waitedMs * 1000) / 1000 };
		this.#options.onLockWait?.(rounded);
		if (lockWaitChannel.hasSubscribers) lockWaitChannel.publish(rounded);
	}

	#publishWrite(event: Omit<StoreWriteEvent, "file" | "at">): void {
		if (!storeWriteChannel.hasSubscribers) return;
		storeWriteChannel.publish({ file: this.file, at: Date.now(), ...event } satisfies StoreWriteEvent);
	}
}

/** Databases this process opened; on exit (normal end, process.exit from a signal handler) their leases of this process go. */
const openedHere = new Set<string>();

function sweepOnExit(file: string): void {
	if (!isMainThread || openedHere.has(file)) return;
	if (openedHere.size === 0) {
		process.once("exit", () => {
			for (const path of openedHere) {
				if (!existsSync(path)) continue;
				try {
					const db = new (sqlite().DatabaseSync)(path);
					db.exec("PRAGMA busy_timeout = 200");
					releaseProcessLeases(db);
					db.close();
				} catch {
					// Best effort: a lease of a dead process is taken over at the next look anyway.
				}
			}
		});
	}
	openedHere.add(file);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function isThenable(value: unknown): value is PromiseLike<unknown> {
	return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

function rollback(db: Database): void {
	try {
		db.exec("ROLLBACK");
	} catch {
		// No transaction open (BEGIN failed): nothing to undo.
	}
}

/** Database files hold tokens: 0600, whatever the umask gave them. */
function tighten(file: string): void {
	for (const path of [file, `${file}-wal`, `${file}-shm`]) {
		try {
			if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, FILE_MODE);
		} catch {
			// Not there (yet) or not ours to change: the folder's 0700 still guards it.
		}
	}
}

function shortReason(error: DispatchError): string {
	const code = (error as { errnoCode?: unknown }).errnoCode;
	return typeof code === "string" ? `${error.code} ${code}` : error.code;
}
