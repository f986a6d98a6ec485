/**
 * The pool's usage history in SQLite: table `usage_history`, one row per account and minute at
 * most, for 7 days; rows older than a day are thinned to one per 15 minutes. Written by whichever
 * process saw the usage first (the others' writes for that minute are refused), read by the
 * status (burn rate, runway, the 7-day chart); never read on a request's path.
 */
import { type Database, statement } from "./sqlite.ts";
import { parseSample, type UsageSample } from "./usage-sample.ts";

export const HISTORY_MIN_GAP_MS = 60_000;
export const HISTORY_KEEP_MS = 7 * 24 * 60 * 60_000;
export const HISTORY_FULL_RESOLUTION_MS = 24 * 60 * 60_000;
export const HISTORY_THINNED_STEP_MS = 15 * 60_000;

const TABLE = `CREATE TABLE IF NOT EXISTS usage_history(
	account_id TEXT NOT NULL, at INTEGER NOT NULL, sample TEXT NOT NULL, PRIMARY KEY(account_id, at)
) STRICT, WITHOUT ROWID`;

/** Inside the caller's write transaction: stores `sample` unless one of the last minute is there. */
export function appendSample(db: Database, accountId: string, sample: UsageSample): boolean {
	db.exec(TABLE);
	const at = Math.round(sample.at);
	const near = statement(db, "SELECT 1 FROM usage_history WHERE account_id = ? AND at > ? LIMIT 1").get(
		accountId,
		at - HISTORY_MIN_GAP_MS,
	);
	if (near) return false;
	const { at: _at, ...rest } = sample;
	statement(db, "INSERT INTO usage_history(account_id, at, sample) VALUES (?, ?, ?)").run(
		accountId,
		at,
		JSON.stringify(rest),
	);
	statement(db, "DELETE FROM usage_history WHERE account_id = ? AND at < ?").run(accountId, at - HISTORY_KEEP_MS);
	const thinBefore = at - HISTORY_FULL_RESOLUTION_MS;
	statement(
		db,
		`DELETE FROM usage_history WHERE account_id = ?1 AND at < ?2 AND at NOT IN (
			SELECT MIN(at) FROM usage_history WHERE account_id = ?1 AND at < ?2 GROUP BY at / CAST(?3 AS INTEGER))`,
	).run(accountId, thinBefore, HISTORY_THINNED_STEP_MS);
	return true;
}

/** Whether any sample was ever recorded (the table is made by the first). */
function hasHistory(db: Database): boolean {
	return (
		statement(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'usage_history'").get() !== undefined
	);
}

/** Inside the caller's write transaction: forgets a removed account's samples. */
export function dropSamples(db: Database, accountId: string): void {
	if (hasHistory(db)) statement(db, "DELETE FROM usage_history WHERE account_id = ?").run(accountId);
}

/** The account's samples since `sinceMs`, oldest first; none when nothing was recorded yet. */
export function readSamples(db: Database, accountId: string, sinceMs: number): UsageSample[] {
	if (!hasHistory(db)) return [];
	const rows = statement(db, "SELECT at, sample FROM usage_history WHERE account_id = ? AND at >= ? ORDER BY at").all(
		accountId,
		Math.floor(sinceMs),
	) as unknown as { at: number; sample: string }[];
	return rows.flatMap((row) => parseSample(Number(row.at), row.sample) ?? []);
}
