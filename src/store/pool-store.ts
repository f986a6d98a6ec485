/**
 * The pool store as the rest of pi-dispatch sees it: the supervisor, the actors and the commands
 * use this interface and never know whether the pool is the local SQLite file (the default) or a
 * shared Redis (several machines). `openPoolStore` picks one from a serialisable config, so an
 * actor's worker thread opens the same store as its supervisor.
 */
import type { AccountCredentials, StoreData } from "./account-record.ts";
import type { LeaseHolder } from "./leases.ts";
import type { StoreConfig } from "./store-config.ts";
import type { UsageSample } from "./usage-sample.ts";

/** Result of saving rotated tokens: `saved`, or why not and where they went instead. */
export type RotationSave = { saved: true } | { saved: false; reason: string; sideFile?: string };
export type RotationOutcome = RotationSave | { saved: false; conflict: true; current?: AccountCredentials };

/** Whether the store can be reached now (always true for the file store). */
export interface StoreHealth {
	reachable: boolean;
	/** Epoch ms since when it is unreachable. */
	since?: number;
	/** One line, e.g. "ECONNREFUSED"; never a secret. */
	detail?: string;
}

export interface PoolStore {
	/** The state folder of this pi agent (side files, settings; the file store's database). */
	readonly home: string;
	/** Where the pool lives, for messages: the database path or the Redis URL without its password. */
	readonly file: string;
	/** What `openPoolStore` needs to open this store again (in a worker thread). No secrets printed. */
	readonly config: StoreConfig;
	/** The current data; empty when nothing was stored yet. */
	read(): Promise<StoreData>;
	/**
	 * Read-modify-write, atomically against every other writer: `mutate` changes `data` in place;
	 * its return value is passed through; if it throws nothing is written. Never nest.
	 */
	update<T>(mutate: (data: StoreData) => T | Promise<T>): Promise<T>;
	/**
	 * Stores tokens a refresh just returned if the account still holds the refresh token they
	 * replace (compare-and-set); never throws for a refused write (side file instead).
	 */
	saveRotation(
		accountId: string,
		replaces: string,
		credentials: AccountCredentials,
		retries?: number,
	): Promise<RotationOutcome>;
	/** Hold this account's refresh lock while `fn` runs (one holder across every process and machine). */
	withAccountLock<T>(accountId: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
	/** Releases every lock held by a (terminated) worker thread of this process. */
	releaseLeasesOfThread(threadId: number): Promise<number>;
	/** Every lock held now (tests, diagnostics). */
	leases(): Promise<({ name: string } & LeaseHolder)[]>;
	/** Call `onChange` soon after another writer commits. Returns the unsubscribe. Keeps nothing alive. */
	watch(onChange: () => void): () => void;
	/**
	 * Adds a point to the account's usage history: false when the pool already has one from the last
	 * minute (another process, or this one, wrote it). Bounded: a week, older than a day thinned.
	 */
	appendUsageSample(accountId: string, sample: UsageSample): Promise<boolean>;
	/** The account's usage history since `sinceMs`, oldest first. Not for a request's path. */
	readUsageHistory(accountId: string, sinceMs: number): Promise<UsageSample[]>;
	health(): StoreHealth;
	/** Closes connections (the file store reopens on the next call). */
	close(): void;
}
