import { DispatchError } from "../errors.ts";

/**
 * Errors of the pool database (and of an old accounts.json being imported). Each message is one line naming the file and what to do; none
 * carries file content, because the file holds tokens (JSON parse messages quote the input, so
 * their text is never passed on).
 */

/** The file is not JSON, is cut short, or has the wrong shape. A byte copy was kept beside it. */
export class StoreCorruptError extends DispatchError {
	override readonly code = "E_STORE_CORRUPT";
	override name = "StoreCorruptError";
	readonly file: string;
	/** Where the bad bytes were copied; undefined when even the copy failed. */
	readonly backupFile: string | undefined;
	/** What is wrong, e.g. "not valid JSON" or "accounts[2].credentials.refresh must be a string". */
	readonly reason: string;
	constructor(file: string, reason: string, backupFile: string | undefined) {
		const kept = backupFile ? `a copy is kept at ${backupFile}` : "no copy could be made";
		super(
			`${file} is unreadable (${reason}); ${kept}. pi-dispatch will not write over it: fix the file or move it away, then log in again if needed.`,
		);
		this.file = file;
		this.reason = reason;
		this.backupFile = backupFile;
	}
}

/** The file was written by a newer pi-dispatch. Never overwritten. */
export class StoreFutureSchemaError extends DispatchError {
	override readonly code = "E_STORE_FUTURE_SCHEMA";
	override name = "StoreFutureSchemaError";
	readonly file: string;
	readonly schema: number;
	readonly supported: number;
	constructor(file: string, schema: number, supported: number) {
		super(
			`${file} has schema ${schema} but this pi-dispatch reads up to schema ${supported}; upgrade pi-dispatch (the file is left as it is).`,
		);
		this.file = file;
		this.schema = schema;
		this.supported = supported;
	}
}

/** Creating the folder, the lock, the temp file or the rename failed; the old file is untouched. */
export class StoreWriteError extends DispatchError {
	override readonly code = "E_STORE_WRITE";
	override name = "StoreWriteError";
	readonly file: string;
	/** The errno code (EACCES, EROFS, ENOSPC, ENOTDIR, ...) or "unknown". */
	readonly errnoCode: string;
	constructor(file: string, errnoCode: string, options?: ErrorOptions) {
		super(`cannot write ${file}: ${errnoCode}; check that its folder exists and is writable.`, options);
		this.file = file;
		this.errnoCode = errnoCode;
	}
}

/** The file exists but cannot be read (EACCES, EISDIR, ...). Missing is not an error. */
export class StoreReadError extends DispatchError {
	override readonly code = "E_STORE_READ";
	override name = "StoreReadError";
	readonly file: string;
	readonly errnoCode: string;
	constructor(file: string, errnoCode: string, options?: ErrorOptions) {
		super(
			errnoCode === "EISDIR"
				? `${file} is a directory, not pi-dispatch's database; move it away (pi-dispatch will not touch it).`
				: `cannot read ${file}: ${errnoCode}; check its permissions.`,
			options,
		);
		this.file = file;
		this.errnoCode = errnoCode;
	}
}

/** The state folder is empty or relative (e.g. HOME=""): state would land in the current folder. */
export class StoreHomeError extends DispatchError {
	override readonly code = "E_STORE_HOME";
	override name = "StoreHomeError";
	readonly home: string;
	constructor(home: string) {
		super(
			`pi-dispatch needs an absolute state folder, got ${home === "" ? "an empty one" : `"${home}"`}; set HOME (or PI_DISPATCH_HOME) to an absolute path.`,
		);
		this.home = home;
	}
}

/** Who holds a lock, as written by the holder into the lock folder. */
export interface LockHolder {
	pid: number;
	hostname: string;
	/** Epoch ms when the holder took the lock. */
	acquiredAt: number;
}

/** The lease stayed taken by a live holder until the deadline. */
export class StoreLockTimeoutError extends DispatchError {
	override readonly code = "E_STORE_LOCK_TIMEOUT";
	override name = "StoreLockTimeoutError";
	readonly lockPath: string;
	readonly waitedMs: number;
	readonly holder: LockHolder | undefined;
	constructor(lockPath: string, waitedMs: number, holder: LockHolder | undefined) {
		const by = holder
			? `held by pid ${holder.pid} on ${holder.hostname} since ${new Date(holder.acquiredAt).toISOString()}`
			: "holder unknown";
		super(
			`timed out after ${waitedMs} ms waiting for ${lockPath} (${by}); a dead holder on this machine is taken over at once, one on another machine when its lease expires.`,
		);
		this.lockPath = lockPath;
		this.waitedMs = waitedMs;
		this.holder = holder;
	}
}

/**
 * The lock was lost while held (its folder vanished, or this process stalled past the stale
 * time and another took it). The operation was abandoned before its rename.
 */
export class StoreLockCompromisedError extends DispatchError {
	override readonly code = "E_STORE_LOCK_COMPROMISED";
	override name = "StoreLockCompromisedError";
	readonly lockPath: string;
	constructor(lockPath: string, options?: ErrorOptions) {
		super(
			`lost the lock ${lockPath} while holding it (stalled process or removed lock); retry the operation.`,
			options,
		);
		this.lockPath = lockPath;
	}
}

/** `update` called from inside `update` (or the same account lock twice): it would wait for itself. */
export class StoreLockReentryError extends DispatchError {
	override readonly code = "E_STORE_LOCK_REENTRY";
	override name = "StoreLockReentryError";
	readonly lockPath: string;
	constructor(lockPath: string) {
		super(`${lockPath} is already held by this call chain; do not nest store.update or the same account lock.`);
		this.lockPath = lockPath;
	}
}

/** A mutation left the data in a shape the store could not read back; nothing was written. */
export class StoreInvalidUpdateError extends DispatchError {
	override readonly code = "E_STORE_INVALID_UPDATE";
	override name = "StoreInvalidUpdateError";
	readonly file: string;
	readonly reason: string;
	constructor(file: string, reason: string) {
		super(`refused to write ${file}: the update left invalid data (${reason}); this is a pi-dispatch bug.`);
		this.file = file;
		this.reason = reason;
	}
}

/** The account is not (or no longer) in the store. */
export class StoreAccountMissingError extends DispatchError {
	override readonly code = "E_STORE_ACCOUNT_MISSING";
	override name = "StoreAccountMissingError";
	readonly file: string;
	readonly accountId: string;
	constructor(file: string, accountId: string) {
		super(`account ${accountId} is not in ${file}; it was removed, log in again to add it.`);
		this.file = file;
		this.accountId = accountId;
	}
}

/** The store settings (PI_DISPATCH_REDIS_URL, store.json, PI_DISPATCH_POOL_KEY) are wrong. */
export class StoreConfigError extends DispatchError {
	override readonly code = "E_STORE_CONFIG";
	override name = "StoreConfigError";
}

/** The shared store (Redis) cannot be reached now; nothing was written, and nothing fell back to a local file. */
export class StoreUnreachableError extends DispatchError {
	override readonly code = "E_STORE_UNREACHABLE";
	override name = "StoreUnreachableError";
	readonly file: string;
	readonly detail: string;
	constructor(file: string, detail: string, options?: ErrorOptions) {
		super(
			`the pool store ${file} is unreachable (${detail}); pi-dispatch keeps serving from what it knows and reconnects.`,
			options,
		);
		this.file = file;
		this.detail = detail;
	}
}

/** Credentials in the store are encrypted and PI_DISPATCH_POOL_KEY is missing or does not open them. */
export class StoreKeyError extends DispatchError {
	override readonly code = "E_STORE_KEY";
	override name = "StoreKeyError";
	readonly file: string;
	constructor(file: string, reason: string) {
		super(`cannot read the credentials in ${file}: ${reason}; set PI_DISPATCH_POOL_KEY to the pool's key.`);
		this.file = file;
	}
}
