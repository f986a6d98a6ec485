import type { AccountCredentials, AccountRecord, StoreData } from "./account-record.ts";
import type { AccountStore } from "./account-store.ts";
import { StoreAccountMissingError } from "./store-errors.ts";

export interface RefreshOutcome {
	credentials: AccountCredentials;
	/** True when another process (or call) had already refreshed and its tokens were taken over. */
	adopted: boolean;
}

/**
 * Refresh an account's tokens at most once across every process sharing the store. Refresh tokens
 * are single-use, so two processes refreshing with the same one would get the second rejected as
 * reused and lose the login; instead each waits for the account's lock and then:
 * - if the stored access token differs from `knownAccessToken` (the one the caller found stale),
 *   someone refreshed meanwhile: adopt the stored credentials;
 * - otherwise call `doRefresh` with the stored record and persist its result at once (the old
 *   refresh token is dead from that moment).
 * The decision compares tokens, never clocks or expiry times, so clock skew between processes or
 * hosts cannot make two of them refresh. Errors of `doRefresh` propagate and nothing is written.
 */
export async function refreshSingleFlight(
	store: AccountStore,
	accountId: string,
	knownAccessToken: string,
	doRefresh: (current: AccountRecord) => Promise<AccountCredentials>,
): Promise<RefreshOutcome> {
	return store.withAccountLock(accountId, async (signal) => {
		const current = findAccount(await store.read(), accountId);
		if (!current) throw new StoreAccountMissingError(store.file, accountId);
		if (current.credentials.access !== knownAccessToken) return { credentials: current.credentials, adopted: true };
		// Lost the lock before starting: someone else may be refreshing; do not race them.
		if (signal.aborted) throw signal.reason;
		const fresh = await doRefresh(current);
		// Written even if the lock was lost during the round trip: these are now the only live tokens.
		const credentials = await store.update((data) => {
			const record = findAccount(data, accountId);
			if (!record) throw new StoreAccountMissingError(store.file, accountId);
			record.credentials = { ...fresh };
			record.updatedAt = Date.now();
			delete record.needsLogin;
			return record.credentials;
		});
		return { credentials, adopted: false };
	});
}

function findAccount(data: StoreData, accountId: string): AccountRecord | undefined {
	return data.accounts.find((account) => account.id === accountId);
}
