import type { UsageSnapshot } from "../usage/usage-snapshot.ts";
import type { AlertSettings, CapSettings } from "./pool-settings.ts";

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
	 * Per-model limits found spent (`codex_bengalfox` → epoch ms until): the account still serves the
	 * models that count against other limits. `limitModels`: which model counts against which limit,
	 * as the answers' `x-codex-active-limit` told.
	 */
	limitCooldowns?: Record<string, number>;
	limitModels?: Record<string, string>;
	/**
	 * The end of the last cooldown, kept until the account is seen serving again: once it is past,
	 * one request probes the account (`probeLease`: the process doing it) before the pool piles on.
	 */
	probeDue?: number;
	probeLease?: { owner: string; until: number };
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

/**
 * When an account past its plan quota may serve on its credits: `last-resort` (default) only when no
 * account has plan quota left; `never`: pi-dispatch spends no credits.
 */
export type CreditsPolicy = "last-resort" | "never";

/** Settings of the whole pool: every pi process sharing it agrees on them. */
export interface PoolSettings {
	credits?: CreditsPolicy;
	/** Per-account and pool-wide caps (/dispatch-cap). */
	caps?: CapSettings;
	/** Quota alerts: thresholds, on/off, and what was said already. */
	alerts?: AlertSettings;
}

export interface StoreData {
	/** Kept in the database's meta table; absent when nothing was ever set. */
	settings?: PoolSettings;
	accounts: AccountRecord[];
	/** Keyed by account id. */
	state: Record<string, SharedAccountState>;
}

/** The workspace (`chatgpt_account_id`) a record's tokens act for: sent as `chatgpt-account-id`. */
export function recordWorkspace(record: Pick<AccountRecord, "id" | "workspace">): string {
	return record.workspace ?? record.id;
}
