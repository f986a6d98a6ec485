/**
 * Observability without options: Node's diagnostics_channel works in every thread, so a benchmark
 * or a debugging session can see the store's locking inside the actors, whose stores no caller can
 * reach. Publishing costs nothing while nobody subscribes.
 */
import { channel } from "node:diagnostics_channel";
import type { StoreData } from "./account-record.ts";

export interface LockWaitInfo {
	/** `<db>` for the database's write lock, `<db>#lease:<name>` for a lease. */
	lockPath: string;
	/** From the call to the moment the lock was held. */
	waitedMs: number;
	/** Attempts (1 = free at once). */
	attempts: number;
}

/** `LockWaitInfo` each time the write lock or a lease was obtained. */
export const lockWaitChannel = channel("pi-dispatch:store:lock-wait");

export interface StoreWriteEvent {
	file: string;
	/** Epoch ms when the transaction had committed, or when the update failed. */
	at: number;
	/** How long the write lock was held for this update. */
	heldMs: number;
	ok: boolean;
	/** The error's `code` (e.g. E_STORE_WRITE) when `ok` is false. */
	code?: string;
	/** The shared state as this write left it (no tokens), when `ok`. */
	state?: StoreData["state"];
}

/** One event per `AccountStore.update` that wrote, or failed. */
export const storeWriteChannel = channel("pi-dispatch:store:write");
