/**
 * Observability without options: Node's diagnostics_channel works in every thread, so a benchmark
 * or a debugging session can see the store's locking inside the actors, whose stores no caller can
 * reach. Publishing costs nothing while nobody subscribes.
 */
import { channel } from "node:diagnostics_channel";

/** `LockWaitInfo` (file-lock.ts) each time a lock was obtained. */
export const lockWaitChannel = channel("pi-dispatch:store:lock-wait");

export interface StoreWriteEvent {
	file: string;
	/** Epoch ms when the new content was in place (after the rename and the folder fsync), or when the update failed. */
	at: number;
	/** How long the data lock was held for this update. */
	heldMs: number;
	ok: boolean;
	/** The error's `code` (e.g. E_STORE_LOCK_TIMEOUT) when `ok` is false. */
	code?: string;
}

/** One event per `AccountStore.update` that wrote, or failed. */
export const storeWriteChannel = channel("pi-dispatch:store:write");
