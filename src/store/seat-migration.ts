/**
 * The seat migration (issue 12 §6, once per pool, marked in `meta`): every record names its seat, the user within the workspace,
 * read once from its stored tokens, and records of the same seat become one. Records saved before
 * seats were told apart had no `seat`; save-login read it from the tokens at every login instead.
 * Nothing is lost: a record whose tokens name no seat is kept as it is, and the records merged
 * away are returned for the caller to keep a copy of.
 */
import { accountIdentity } from "../auth/jwt.ts";
import { mergeSharedState } from "../usage/shared-state-merge.ts";
import { type AccountRecord, recordWorkspace, type StoreData } from "./account-record.ts";

export interface SeatMigration {
	data: StoreData;
	/** Records folded into another record of the same seat (their tokens are older). */
	merged: AccountRecord[];
}

export function migrateSeats(before: StoreData, now: number): SeatMigration {
	const accounts = before.accounts.map((record) => withSeat(structuredClone(record)));
	const state = { ...before.state };
	const survivors: AccountRecord[] = [];
	const merged: AccountRecord[] = [];
	const bySeat = new Map<string, AccountRecord>();
	/** Each record as it was stored: what a merged-away copy keeps. */
	const original = new Map(accounts.map((record, i) => [record, before.accounts[i]!]));
	for (const record of accounts) {
		const key = record.seat === undefined ? undefined : `${recordWorkspace(record)}\u0000${record.seat}`;
		const kept = key === undefined ? undefined : bySeat.get(key);
		if (key === undefined || kept === undefined) {
			if (key !== undefined) bySeat.set(key, record);
			survivors.push(record);
			continue;
		}
		// One seat, two records: the newer tokens win (a refresh token is single-use, the older one
		// is likely spent); the first record's place, id and label stay, so the status reads as before.
		const recordIsNewer = !fresher(kept, record);
		// (A record kept across several merges holds the tokens it took last: those are what is replaced.)
		const replaced = recordIsNewer
			? { ...original.get(kept)!, credentials: kept.credentials }
			: original.get(record)!;
		merged.push(structuredClone(replaced));
		if (recordIsNewer) {
			kept.credentials = record.credentials;
			if (record.needsLogin) kept.needsLogin = record.needsLogin;
			else delete kept.needsLogin;
		}
		if (kept.email === undefined && record.email !== undefined) kept.email = record.email;
		if (kept.plan === undefined && record.plan !== undefined) kept.plan = record.plan;
		kept.addedAt = Math.min(kept.addedAt, record.addedAt);
		kept.updatedAt = Math.max(kept.updatedAt, record.updatedAt, now);
		// What the pool learnt about either is about the same seat: the later cooldown, the newer usage.
		const dropped = state[record.id];
		if (dropped) state[kept.id] = state[kept.id] ? mergeSharedState(state[kept.id], dropped, now) : dropped;
		delete state[record.id];
	}
	return { data: { ...before, accounts: survivors, state }, merged };
}

/** Whether some record names no seat though its tokens do (saved by a version from before seats). */
export function seatsToName(records: readonly AccountRecord[]): boolean {
	return records.some((record) => record.seat === undefined && withSeat(structuredClone(record)).seat !== undefined);
}

/** The record with the seat its stored tokens name, when it names none yet. */
function withSeat(record: AccountRecord): AccountRecord {
	if (record.seat !== undefined) return record;
	try {
		const identity = accountIdentity(record.credentials.access, record.credentials.idToken);
		if (identity.seat && identity.accountId === recordWorkspace(record)) record.seat = identity.seat;
	} catch {
		// Tokens that name no workspace (an opaque token): nothing to tell it apart by; kept as it is.
	}
	return record;
}

/** `a` holds the newer login: a working one over one that needs a login, then the later expiry. */
function fresher(a: AccountRecord, b: AccountRecord): boolean {
	if (!a.needsLogin !== !b.needsLogin) return !a.needsLogin;
	return a.credentials.expiresAt >= b.credentials.expiresAt;
}
