import type { AccountCredentials, AccountRecord, StoreData } from "./account-record.ts";
import type { PoolStore } from "./pool-store.ts";
import { StoreAccountMissingError } from "./store-errors.ts";

export interface RefreshOutcome {
	credentials: AccountCredentials;
	/** True when another process (or call) had already refreshed and its tokens were taken over. */
	adopted: boolean;
	/**
	 * Set when the rotated tokens could not be written to the database (they are live, and only in
	 * memory, or in a side file the next store merges): the reason, e.g. "E_STORE_WRITE SQLITE_IOERR".
	 */
	notSaved?: string;
	/** The side file holding them, when one could be written. */
	sideFile?: string;
}

/**
 * Refresh an account's tokens at most once across every process sharing the store. Refresh tokens
 * are single-use, so two processes refreshing with the same one would get the second rejected as
 * reused and lose the login; instead each waits for the account's lease and then:
 * - if the stored access token differs from `knownAccessToken` (the one the caller found stale),
 *   someone refreshed meanwhile: adopt the stored credentials;
 * - otherwise call `doRefresh` with the stored record and store its result at once, in one short
 *   transaction that checks the account still holds the refresh token just spent. Nothing else
 *   runs between the answer and that write. A refused write is retried, then put in a side file;
 *   either way the tokens are returned, with `notSaved`, because they are the only live ones.
 * The decision compares tokens, never clocks or expiry times, so clock skew between processes or
 * hosts cannot make two of them refresh. Errors of `doRefresh` propagate and nothing is written.
 */
export async function refreshSingleFlight(
	store: PoolStore,
	accountId: string,
	knownAccessToken: string,
	doRefresh: (current: AccountRecord) => Promise<AccountCredentials>,
): Promise<RefreshOutcome> {
	return store.withAccountLock(accountId, async (signal) => {
		const current = findAccount(await store.read(), accountId);
		if (!current) throw new StoreAccountMissingError(store.file, accountId);
		if (current.credentials.access !== knownAccessToken) return { credentials: current.credentials, adopted: true };
		// Lost the lease before starting: someone else may be refreshing; do not race them.
		if (signal.aborted) throw signal.reason;
		const fresh = await doRefresh(current);
		// Saved even if the lease was lost during the round trip: these are now the only live tokens.
		const save = await store.saveRotation(accountId, current.credentials.refresh, fresh);
		if (save.saved) return { credentials: fresh, adopted: false };
		if ("conflict" in save) {
			// A new login (or removal) replaced the account meanwhile: that is the newer truth.
			if (!save.current) throw new StoreAccountMissingError(store.file, accountId);
			return { credentials: save.current, adopted: true };
		}
		return {
			credentials: fresh,
			adopted: false,
			notSaved: save.reason,
			...(save.sideFile ? { sideFile: save.sideFile } : {}),
		};
	});
}

function findAccount(data: StoreData, accountId: string): AccountRecord | undefined {
	return data.accounts.find((account) => account.id === accountId);
}
