/**
 * Adding a login to the store: by seat (the user within the workspace), never a duplicate. A login
 * for a seat that is already there replaces its credentials (and clears "needs login"); a given
 * label relabels it. Another seat of a known Team/Business workspace is another account.
 * Everything happens inside one locked update, so a bad label leaves the file as it was.
 */

import { nextDefaultLabel, validateLabel } from "../auth/labels.ts";
import { type AccountCredentials, type AccountRecord, recordWorkspace } from "../store/account-record.ts";
import type { PoolStore } from "../store/pool-store.ts";

export interface LoginToSave {
	credentials: AccountCredentials;
	identity: { accountId: string; seat?: string; email?: string; plan?: string };
}

export type SaveOutcome =
	| { kind: "added"; label: string }
	| { kind: "updated"; label: string; previousLabel: string }
	/** `keepExisting` was set and the account was there with a working login. */
	| { kind: "kept"; label: string };

export interface SaveOptions {
	/** Label wanted by the user; validated against the other accounts. */
	label?: string;
	/** Imports: leave an account that is already there alone unless it needs a login. */
	keepExisting?: boolean;
	now?: number;
}

/** "me@example.com (plus)", or the account id when the login names no email. */
export function loginWho(login: Pick<LoginToSave, "identity">): string {
	const { email, plan, accountId } = login.identity;
	return email ? `${email}${plan ? ` (${plan})` : ""}` : `account ${accountId}`;
}

export function saveLogin(store: PoolStore, login: LoginToSave, options: SaveOptions = {}): Promise<SaveOutcome> {
	const now = options.now ?? Date.now();
	const { accountId, seat, email, plan } = login.identity;
	return store.update((data): SaveOutcome => {
		const existing = data.accounts.find((a) => sameSeat(a, accountId, seat));
		const id = existing?.id ?? (seat && data.accounts.some((a) => a.id === accountId) ? seat : accountId);
		if (options.label !== undefined) validateLabel(options.label, data.accounts, id);
		if (existing) {
			if (options.keepExisting && !existing.needsLogin) return { kind: "kept", label: existing.label };
			const previousLabel = existing.label;
			existing.credentials = { ...login.credentials };
			if (email) existing.email = email;
			if (plan) existing.plan = plan;
			if (seat) existing.seat = seat;
			if (options.label !== undefined) existing.label = options.label;
			delete existing.needsLogin;
			// The supervisor spots changed records by updatedAt: it must move even within one millisecond.
			existing.updatedAt = Math.max(now, existing.updatedAt + 1);
			return { kind: "updated", label: existing.label, previousLabel };
		}
		const label = options.label ?? nextDefaultLabel(data.accounts);
		data.accounts.push({
			id,
			...(seat ? { seat } : {}),
			...(id !== accountId ? { workspace: accountId } : {}),
			label,
			...(email ? { email } : {}),
			...(plan ? { plan } : {}),
			credentials: { ...login.credentials },
			addedAt: now,
			updatedAt: now,
		});
		return { kind: "added", label };
	});
}

/**
 * The record holds this login: same workspace, and the same seat when both name one. Records saved
 * before seats were told apart got their seat when the database was opened (seat-migration.ts).
 */
function sameSeat(record: AccountRecord, accountId: string, seat: string | undefined): boolean {
	if (recordWorkspace(record) !== accountId) return false;
	return seat === undefined || record.seat === undefined || record.seat === seat;
}
