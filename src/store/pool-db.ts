/**
 * The pool database `<home>/pool.db`: opening it (WAL, busy timeout, synchronous=NORMAL), its
 * schema, the one-time import of an old `accounts.json`, and StoreData in and out of its rows.
 * Row content is validated with store-shape.ts, so problems are named by path, never by value.
 */
import { chmodSync, existsSync, readFileSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import type { AccountRecord, StoreData } from "./account-record.ts";
import { keepCopy } from "./keep-copy.ts";
import { migrate } from "./migrate.ts";
import { migrateSeats, seatsToName } from "./seat-migration.ts";
import { type Database, SQLITE_CORRUPT, SQLITE_NOTADB, sqlite, sqliteCode, statement } from "./sqlite.ts";
import { StoreCorruptError, StoreFutureSchemaError } from "./store-errors.ts";
import { isObject, storeDataProblem } from "./store-shape.ts";
import { dropSamples } from "./usage-history.ts";

/** The database layout this version writes (schema 1 was accounts.json). */
export const DB_SCHEMA = 2;
/**
 * Meta row set once every record names its seat (the one-pass seat migration). A marker, not a
 * schema bump: a pi-dispatch from before it reads the same rows (`seat` was already optional), so
 * processes of both versions can share a pool while pi is being updated.
 */
const SEATS_MARKER = "seats";
export const DB_NAME = "pool.db";
export const LEGACY_NAME = "accounts.json";
export const IMPORTED_SUFFIX = ".imported";

const TABLES = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, pos INTEGER NOT NULL, record TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS state(id TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS leases(
	name TEXT PRIMARY KEY, host TEXT NOT NULL, boot_id TEXT NOT NULL, pid INTEGER NOT NULL,
	start_time TEXT NOT NULL, thread_id INTEGER NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL
) STRICT;`;

export function isCorruptError(error: unknown): boolean {
	const code = sqliteCode(error);
	return code === SQLITE_NOTADB || code === SQLITE_CORRUPT;
}

/**
 * Opens (creating if needed) and prepares the database. Throws SQLite errors as they are (the
 * caller names them), StoreFutureSchemaError, or StoreCorruptError for a bad accounts.json.
 */
export function openPoolDb(home: string, busyTimeoutMs: number): Database {
	const file = join(home, DB_NAME);
	const db = new (sqlite().DatabaseSync)(file);
	try {
		db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.round(busyTimeoutMs))}`);
		// journal_mode=WAL needs a moment of exclusive access on a fresh file; retry a busy one.
		for (let attempt = 0; ; attempt++) {
			try {
				db.exec("PRAGMA journal_mode = WAL");
				break;
			} catch (error) {
				if (isCorruptError(error) || attempt >= 50) throw error;
			}
		}
		// NORMAL in WAL mode: a commit is in the OS's hands when it returns, so it survives kill -9;
		// only a power loss or kernel crash can take back the last commits. Saving rotated tokens
		// switches to FULL (fsync per commit) around that one transaction (AccountStore.saveRotation).
		db.exec("PRAGMA synchronous = NORMAL");
		const schema = readSchema(db);
		if (schema === undefined) initialize(db, home);
		else if (schema > DB_SCHEMA) throw new StoreFutureSchemaError(file, schema, DB_SCHEMA);
		else if (seatsDue(db)) upgrade(db, file);
		return db;
	} catch (error) {
		db.close();
		throw error;
	}
}

function readSchema(db: Database): number | undefined {
	const table = statement(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
	if (!table) return undefined;
	const row = statement(db, "SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined;
	return row ? Number(row.value) : undefined;
}

/** Creates the tables and imports accounts.json, once, in one transaction. */
function initialize(db: Database, home: string): void {
	db.exec("BEGIN IMMEDIATE");
	try {
		if (readSchema(db) === undefined) {
			db.exec(TABLES);
			const legacy = readLegacy(home);
			if (legacy) writeData(db, seatsMigrated(legacy, join(home, DB_NAME)), { accounts: [], state: {} });
			statement(db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)").run(String(DB_SCHEMA));
			statement(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')").run(SEATS_MARKER);
			if (legacy) statement(db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('imported', ?)").run(LEGACY_NAME);
		}
		db.exec("COMMIT");
	} catch (error) {
		db.exec("ROLLBACK");
		throw error;
	}
}

function seatsNamed(db: Database): boolean {
	return statement(db, "SELECT 1 FROM meta WHERE key = ?").get(SEATS_MARKER) !== undefined;
}

/**
 * Not migrated yet, or an older pi-dispatch sharing the pool saved a record without its seat since.
 * Runs at every open: only the records that name no seat are read (none, once migrated).
 */
function seatsDue(db: Database): boolean {
	if (!seatsNamed(db)) return true;
	const rows = statement(
		db,
		"SELECT record FROM accounts WHERE (CASE WHEN json_valid(record) THEN json_extract(record, '$.seat') ELSE 'invalid' END) IS NULL",
	).all() as { record: string }[];
	// A row that is not a record is left to the store's corrupt-database handling.
	const records = rows.map((row) => JSON.parse(row.record) as unknown).filter(isObject) as unknown as AccountRecord[];
	return seatsToName(records);
}

/**
 * The seat migration, once, in one transaction (another process may be doing it too: the second
 * finds it done). Rows that are not valid data are left to the store's own corrupt-database handling.
 */
function upgrade(db: Database, file: string): void {
	db.exec("BEGIN IMMEDIATE");
	try {
		const before = readData(db);
		if (typeof before !== "string" && seatsDue(db)) {
			writeData(db, seatsMigrated(before, file), before);
			statement(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')").run(SEATS_MARKER);
		}
		db.exec("COMMIT");
	} catch (error) {
		db.exec("ROLLBACK");
		throw error;
	}
}

/** `data` with seats named and one record per seat; the records merged away are kept in a copy beside the database. */
function seatsMigrated(data: StoreData, file: string): StoreData {
	const { data: after, merged } = migrateSeats(data, Date.now());
	if (merged.length > 0) keepCopy(file, Buffer.from(`${JSON.stringify(merged, null, "\t")}\n`), "seat-duplicates");
	return after;
}

function readLegacy(home: string): StoreData | undefined {
	const file = join(home, LEGACY_NAME);
	let bytes: Buffer;
	try {
		bytes = readFileSync(file);
	} catch {
		return undefined;
	}
	let raw: unknown;
	try {
		raw = JSON.parse(bytes.toString("utf8").replace(/^\uFEFF/, ""));
	} catch {
		// The parser's message quotes the input (tokens): a fixed reason only. The file stays as it is.
		throw corrupt(file, bytes, bytes.length === 0 ? "empty file" : "not valid JSON, truncated or damaged");
	}
	const result = migrate(raw, Date.now());
	if (!result.ok && result.kind === "future") throw new StoreFutureSchemaError(file, result.schema, 1);
	if (!result.ok) throw corrupt(file, bytes, result.reason);
	return result.data;
}

function corrupt(file: string, bytes: Buffer, reason: string): StoreCorruptError {
	let backup: string | undefined;
	try {
		backup = keepCopy(file, bytes, "corrupt");
	} catch {
		backup = undefined;
	}
	return new StoreCorruptError(file, reason, backup);
}

/** After a committed import: the old file is kept, renamed, out of every old reader's way. */
export function retireLegacy(home: string, db: Database): void {
	const file = join(home, LEGACY_NAME);
	if (!existsSync(file)) return;
	const imported = statement(db, "SELECT value FROM meta WHERE key = 'imported'").get();
	if (!imported) return;
	let target = `${file}${IMPORTED_SUFFIX}`;
	if (existsSync(target)) target = `${target}-${Date.now()}`;
	try {
		renameSync(file, target);
		chmodSync(target, 0o600);
	} catch {
		// Another process renamed it first, or the folder is read-only: the meta row prevents a second import.
	}
}

interface Row {
	id: string;
	json: string;
}

/** Everything in the rows, validated; throws a "reason" string when the rows are not valid data. */
export function readData(db: Database): StoreData | string {
	const accountRows = statement(db, "SELECT id, record AS json FROM accounts ORDER BY pos").all() as unknown as Row[];
	const stateRows = statement(db, "SELECT id, value AS json FROM state ORDER BY id").all() as unknown as Row[];
	const accounts: unknown[] = [];
	for (const [i, row] of accountRows.entries()) {
		const value = parse(row.json);
		if (value === undefined) return `accounts[${i}] is not valid JSON`;
		accounts.push(value);
	}
	const state: Record<string, unknown> = {};
	for (const row of stateRows) {
		const value = parse(row.json);
		if (value === undefined) return `state[${JSON.stringify(row.id).slice(0, 80)}] is not valid JSON`;
		state[row.id] = value;
	}
	const settingsRow = statement(db, "SELECT value FROM meta WHERE key = 'settings'").get() as
		| { value: string }
		| undefined;
	const settings = settingsRow ? parse(settingsRow.value) : undefined;
	if (settingsRow && (settings === null || typeof settings !== "object")) return "settings is not a JSON object";
	const data = { accounts, state, ...(settings ? { settings } : {}) };
	const problem = storeDataProblem(data);
	if (problem) return problem;
	for (const [i, row] of accountRows.entries()) {
		if ((accounts[i] as AccountRecord).id !== row.id) return `accounts[${i}].id does not match its row`;
	}
	return data as unknown as StoreData;
}

function parse(json: string): unknown {
	try {
		return JSON.parse(json);
	} catch {
		return undefined;
	}
}

/** Writes the rows that differ between `before` and `after` (inside the caller's transaction). */
export function writeData(db: Database, after: StoreData, before: StoreData): boolean {
	let changed = false;
	const old = new Map(before.accounts.map((a, i) => [a.id, { pos: i, json: JSON.stringify(a) }]));
	const upsertAccount = statement(
		db,
		"INSERT INTO accounts(id, pos, record) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET pos = excluded.pos, record = excluded.record",
	);
	for (const [pos, account] of after.accounts.entries()) {
		const json = JSON.stringify(account);
		const prior = old.get(account.id);
		old.delete(account.id);
		if (prior && prior.pos === pos && prior.json === json) continue;
		upsertAccount.run(account.id, pos, json);
		changed = true;
	}
	const deleteAccount = statement(db, "DELETE FROM accounts WHERE id = ?");
	for (const id of old.keys()) {
		deleteAccount.run(id);
		// Its usage history goes with it, in the same transaction.
		dropSamples(db, id);
		changed = true;
	}
	const upsertState = statement(
		db,
		"INSERT INTO state(id, value) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET value = excluded.value",
	);
	for (const [id, value] of Object.entries(after.state)) {
		const json = JSON.stringify(value);
		if (before.state[id] !== undefined && JSON.stringify(before.state[id]) === json) continue;
		upsertState.run(id, json);
		changed = true;
	}
	const settings = after.settings === undefined ? undefined : JSON.stringify(after.settings);
	if (settings !== (before.settings === undefined ? undefined : JSON.stringify(before.settings))) {
		if (settings === undefined) statement(db, "DELETE FROM meta WHERE key = 'settings'").run();
		else statement(db, "INSERT OR REPLACE INTO meta(key, value) VALUES ('settings', ?)").run(settings);
		changed = true;
	}
	const deleteState = statement(db, "DELETE FROM state WHERE id = ?");
	for (const id of Object.keys(before.state)) {
		if (after.state[id] !== undefined) continue;
		deleteState.run(id);
		changed = true;
	}
	return changed;
}

/** True when a directory sits where the database should be. */
export function isDirectoryAt(path: string): boolean {
	try {
		return statSync(path).isDirectory();
	} catch {
		return false;
	}
}
