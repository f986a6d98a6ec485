import type { UsageSnapshot } from "../usage/usage-snapshot.ts";

/** OAuth tokens of one ChatGPT account. Never logged, never shown, never put in an error. */
export interface AccountCredentials {
	access: string;
	/** Single-use on this service: every refresh returns a new one and retires the old. */
	refresh: string;
	/** Epoch ms when `access` expires. */
	expiresAt: number;
	idToken?: string;
}

export interface AccountRecord {
	/**
	 * The pool's key: the `chatgpt_account_id` claim (the workspace) for the first login of a
	 * workspace, the seat key for another seat of the same workspace.
	 */
	id: string;
	/**
	 * The login's seat, `chatgpt_account_user_id` (or `<chatgpt_user_id>__<chatgpt_account_id>`): two
	 * seats of one Team/Business workspace are two accounts with their own limits. Absent in records
	 * saved before seats were told apart; then read from the stored tokens (`recordSeat`).
	 */
	seat?: string;
	/** `chatgpt_account_id` when it is not `id` (a second seat of a workspace). */
	workspace?: string;
	/** User-facing name, unique among accounts, 1..32 chars without whitespace. */
	label: string;
	email?: string;
	plan?: string;
	credentials: AccountCredentials;
	addedAt: number;
	updatedAt: number;
	/** Set when the refresh token was rejected: only a new login helps. */
	needsLogin?: { since: number; reason: string };
}

/** What every pi process shares about an account besides its login. */
export interface SharedAccountState {
	/** Epoch ms until which the account is known exhausted. */
	cooldownUntil?: number;
	cooldownReason?: string;
	usage?: UsageSnapshot;
	/**
	 * The pi process polling this account's usage for the whole pool until `until` (epoch ms);
	 * taken with `update()` as compare-and-set, so one process polls and the others read the result.
	 */
	pollLease?: { owner: string; until: number };
	/** Models this account's plan refused (400 "not supported … with a ChatGPT account"): model id → until, epoch ms. */
	modelRefusals?: Record<string, number>;
	/** A stream of this account broke off after content: other accounts are preferred until then (epoch ms). */
	degradedUntil?: number;
}

export interface StoreData {
	accounts: AccountRecord[];
	/** Keyed by account id. */
	state: Record<string, SharedAccountState>;
}

/** The workspace (`chatgpt_account_id`) a record's tokens act for: sent as `chatgpt-account-id`. */
export function recordWorkspace(record: Pick<AccountRecord, "id" | "workspace">): string {
	return record.workspace ?? record.id;
}
