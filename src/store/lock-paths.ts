import { createHash } from "node:crypto";

/**
 * Folder name of one account's refresh lock. Account ids come from a token claim, so they are
 * reduced to safe characters; the hash keeps two ids that reduce alike ("a.b", "a_b") apart.
 */
export function accountLockName(accountId: string): string {
	const safe = accountId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 48);
	const hash = createHash("sha256").update(accountId).digest("hex").slice(0, 12);
	return `account-${safe}-${hash}.lock`;
}

/** Folder name of the lock around every read-modify-write of accounts.json. */
export const DATA_LOCK_NAME = "accounts.json.lock";
