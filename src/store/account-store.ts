import { chmod, mkdir, open } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DispatchError } from "../errors.ts";
import type { StoreData } from "./account-record.ts";
import { type FileSignature, MISSING, signatureOf, sweepTempFiles, writeFileAtomic } from "./atomic-write.ts";
import {
	type FileLockOptions,
	type HeldLock,
	isHeldByThisChain,
	type LockWaitInfo,
	MIN_STALE_MS,
	withFileLock,
} from "./file-lock.ts";
import { watchFileChanges } from "./file-watch.ts";
import { keepCopy } from "./keep-copy.ts";
import { accountLockName, DATA_LOCK_NAME } from "./lock-paths.ts";
import { CURRENT_SCHEMA, migrate, serialize } from "./migrate.ts";
import { type StoreWriteEvent, storeWriteChannel } from "./store-diagnostics.ts";
import {
	StoreCorruptError,
	StoreFutureSchemaError,
	StoreInvalidUpdateError,
	StoreLockReentryError,
	StoreReadError,
	StoreWriteError,
} from "./store-errors.ts";
import { isObject, storeDataProblem } from "./store-shape.ts";

export interface AccountStoreOptions {
	/** The state folder; the file is `<home>/accounts.json`, locks live in `<home>/locks/`. */
	home: string;
	/** A lock not refreshed for this long belongs to a dead process and is taken over. Default 10 s, floor 2 s. */
	lockStaleMs?: number;
	/** Give up on the data lock after this long. Default: lockStaleMs + 2 s (outlasts one dead holder). */
	lockTimeoutMs?: number;
	/** Give up on an account's refresh lock after this long; its holder may be on the network. Default 60 s. */
	accountLockTimeoutMs?: number;
	/** Told how long each lock took to get (benchmarks, diagnostics). */
	onLockWait?: (info: LockWaitInfo) => void;
}

const DEFAULT_STALE_MS = 10_000;
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** Own writes remembered for the watcher; a watcher more than this many writes behind just reloads. */
const OWN_WRITES_KEPT = 32;

interface Loaded {
	data: StoreData;
	fromSchema: number;
	exists: boolean;
	signature: FileSignature;
	mode: number;
	bytes: Buffer | undefined;
}

/**
 * The accounts file shared by every pi process of one pi agent folder.
 *
 * - Writes are read-modify-write under a cross-process lock (see file-lock.ts) and land by atomic
 *   rename, so a reader never sees half a file and a crash mid-write leaves the old file.
 * - Network filesystems: the lock is an mkdir (atomic on NFS) and rename is atomic because the temp
 *   file sits in the same folder; fs.watch sees no remote writes there, the stat poll does.
 * - Two different pi agent folders make two unrelated stores: no shared lock, no shared file. The
 *   same login in both is then refreshed uncoordinated; the service rotates refresh tokens, so the
 *   first refresh retires the other store's token and that store's account will need a new login.
 * - A bad file (not JSON, wrong shape, newer schema) is never written over: reads and updates throw
 *   until a person fixes or moves it; a byte copy is kept beside it.
 * - A symlinked accounts.json is replaced by a regular file on the first write.
 */
export class AccountStore {
	readonly home: string;
	readonly file: string;
	readonly locksDir: string;
	readonly #dataLock: string;
	readonly #dataLockOptions: FileLockOptions;
	readonly #accountLockOptions: FileLockOptions;
	/** after-signature → before-signature of this instance's recent writes. */
	readonly #ownWrites = new Map<FileSignature, FileSignature>();

	constructor(options: AccountStoreOptions) {
		this.home = resolve(options.home);
		this.file = join(this.home, "accounts.json");
		this.locksDir = join(this.home, "locks");
		this.#dataLock = join(this.locksDir, DATA_LOCK_NAME);
		const staleMs = Math.max(options.lockStaleMs ?? DEFAULT_STALE_MS, MIN_STALE_MS);
		const shared = {
			staleMs,
			onWait: options.onLockWait,
			mapAcquireError: (error: unknown) => new StoreWriteError(this.file, errnoCode(error), { cause: error }),
		};
		// The data lock is held for one local read-modify-write (~5 ms), an account lock for a network
		// round trip: poll the first briskly, the second gently.
		this.#dataLockOptions = { ...shared, timeoutMs: options.lockTimeoutMs ?? staleMs + 2000, maxPollMs: 20 };
		this.#accountLockOptions = { ...shared, timeoutMs: options.accountLockTimeoutMs ?? 60_000, maxPollMs: 100 };
	}

	/** The current data; empty when the file does not exist yet. Takes no lock. */
	async read(): Promise<StoreData> {
		return (await this.#load()).data;
	}

	/**
	 * Read-modify-write under the lock: `mutate` changes `data` in place, its return value is passed
	 * through. If it throws, nothing is written. Never call `update` or `withAccountLock` from inside
	 * `mutate` (that throws StoreLockReentryError rather than deadlocking).
	 */
	async update<T>(mutate: (data: StoreData) => T | Promise<T>): Promise<T> {
		await this.#ensureHome();
		let heldSince: number | undefined;
		try {
			return await this.#update(mutate, (at) => {
				heldSince = at;
			});
		} catch (error) {
			if (storeWriteChannel.hasSubscribers) {
				const code = (error as { code?: unknown }).code;
				storeWriteChannel.publish({
					file: this.file,
					at: Date.now(),
					heldMs: heldSince === undefined ? 0 : Date.now() - heldSince,
					ok: false,
					...(typeof code === "string" ? { code } : {}),
				} satisfies StoreWriteEvent);
			}
			throw error;
		}
	}

	async #update<T>(mutate: (data: StoreData) => T | Promise<T>, onLocked: (at: number) => void): Promise<T> {
		return withFileLock(this.#dataLock, this.#dataLockOptions, async (lock) => {
			const lockedAt = Date.now();
			onLocked(lockedAt);
			// Under the lock no live writer owns a temp file: any left is from one killed mid-write.
			await sweepTempFiles(this.file, 0);
			const loaded = await this.#load();
			const before = serialize(loaded.data);
			const result = await mutate(loaded.data);
			const data: unknown = loaded.data;
			const problem = isObject(data) ? storeDataProblem(data) : "data must be an object";
			if (problem) throw new StoreInvalidUpdateError(this.file, problem);
			const after = serialize(loaded.data);
			const looseMode = loaded.exists && (loaded.mode & 0o077) !== 0;
			if (after === before && loaded.fromSchema === CURRENT_SCHEMA && !looseMode) return result;
			if (loaded.exists && loaded.fromSchema !== CURRENT_SCHEMA && loaded.bytes) {
				// An old pi-dispatch may still want its format back; keep it before the first upgrade.
				await this.#keep(loaded.bytes, `schema${loaded.fromSchema}`);
			}
			await this.#write(after, lock, loaded.signature);
			if (storeWriteChannel.hasSubscribers) {
				const at = Date.now();
				storeWriteChannel.publish({
					file: this.file,
					at,
					heldMs: at - lockedAt,
					ok: true,
				} satisfies StoreWriteEvent);
			}
			return result;
		});
	}

	/**
	 * Hold this account's refresh lock (one per account, so a slow refresh of one account never
	 * blocks writes for the others) while `fn` runs. `signal` aborts if the lock is lost; then the
	 * call fails with StoreLockCompromisedError after `fn` settles. Lock order is account → data:
	 * `fn` may call `update`, but `withAccountLock` must not be called inside `update`.
	 */
	async withAccountLock<T>(accountId: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
		if (isHeldByThisChain(this.#dataLock)) throw new StoreLockReentryError(this.#dataLock);
		await this.#ensureHome();
		const lockPath = join(this.locksDir, accountLockName(accountId));
		return withFileLock(lockPath, this.#accountLockOptions, async (lock) => {
			const result = await fn(lock.signal);
			lock.assertHeld();
			return result;
		});
	}

	/**
	 * Call `onChange` within about a second after the file changes, unless this instance made the
	 * change itself. Returns the unsubscribe. Does not keep the process alive.
	 */
	watch(onChange: () => void): () => void {
		return watchFileChanges(this.file, onChange, {
			isOwnChange: (before, after) => this.#ownWrites.get(after) === before,
		});
	}

	async #load(): Promise<Loaded> {
		let bytes: Buffer;
		let signature: FileSignature;
		let mode: number;
		try {
			const handle = await open(this.file, "r");
			try {
				const st = await handle.stat({ bigint: true });
				signature = signatureOf(st);
				mode = Number(st.mode & 0o777n);
				bytes = await handle.readFile();
			} finally {
				await handle.close();
			}
		} catch (error) {
			const code = errnoCode(error);
			if (code === "ENOENT") {
				return {
					data: { accounts: [], state: {} },
					fromSchema: CURRENT_SCHEMA,
					exists: false,
					signature: MISSING,
					mode: 0,
					bytes: undefined,
				};
			}
			throw new StoreReadError(this.file, code, { cause: error });
		}
		let raw: unknown;
		try {
			// A leading BOM comes from editors; JSON.parse rejects it.
			raw = JSON.parse(bytes.toString("utf8").replace(/^\uFEFF/, ""));
		} catch {
			// The parser's message quotes the input (tokens), so only a fixed reason is passed on.
			throw await this.#corrupt(bytes, bytes.length === 0 ? "empty file" : "not valid JSON, truncated or damaged");
		}
		const result = migrate(raw, Date.now());
		if (!result.ok && result.kind === "future")
			throw new StoreFutureSchemaError(this.file, result.schema, CURRENT_SCHEMA);
		if (!result.ok) throw await this.#corrupt(bytes, result.reason);
		return { data: result.data, fromSchema: result.fromSchema, exists: true, signature, mode, bytes };
	}

	async #corrupt(bytes: Buffer, reason: string): Promise<StoreCorruptError> {
		let backup: string | undefined;
		try {
			backup = await keepCopy(this.file, bytes, "corrupt");
		} catch {
			backup = undefined;
		}
		return new StoreCorruptError(this.file, reason, backup);
	}

	async #keep(bytes: Buffer, tag: string): Promise<void> {
		try {
			await keepCopy(this.file, bytes, tag);
		} catch (error) {
			throw new StoreWriteError(this.file, errnoCode(error), { cause: error });
		}
	}

	async #write(content: string, lock: HeldLock, replacing: FileSignature): Promise<void> {
		try {
			await writeFileAtomic(this.file, content, {
				mode: FILE_MODE,
				beforeRename: (signature) => {
					lock.assertHeld();
					this.#rememberOwnWrite(replacing, signature);
				},
			});
		} catch (error) {
			if (error instanceof DispatchError) throw error;
			throw new StoreWriteError(this.file, errnoCode(error), { cause: error });
		}
	}

	async #ensureHome(): Promise<void> {
		try {
			const created = await mkdir(this.home, { recursive: true, mode: DIR_MODE });
			// mkdir's mode is filtered by the umask; set it exactly on a folder this store created.
			if (created !== undefined) await chmod(this.home, DIR_MODE);
			await mkdir(this.locksDir, { recursive: true, mode: DIR_MODE });
		} catch (error) {
			throw new StoreWriteError(this.file, errnoCode(error), { cause: error });
		}
	}

	#rememberOwnWrite(before: FileSignature, after: FileSignature): void {
		this.#ownWrites.set(after, before);
		if (this.#ownWrites.size > OWN_WRITES_KEPT) {
			const oldest = this.#ownWrites.keys().next().value;
			if (oldest !== undefined) this.#ownWrites.delete(oldest);
		}
	}
}

function errnoCode(error: unknown): string {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	return typeof code === "string" ? code : "unknown";
}
