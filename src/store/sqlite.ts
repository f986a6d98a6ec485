/**
 * `node:sqlite`, loaded once per thread with exactly its "SQLite is an experimental feature"
 * warning silenced (Node 22 prints it once per thread on load; every other warning passes).
 */
import { createRequire } from "node:module";

type SqliteModule = typeof import("node:sqlite");

let loaded: SqliteModule | undefined;

export function sqlite(): SqliteModule {
	if (loaded) return loaded;
	const emit = process.emitWarning;
	process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
		const text = typeof warning === "string" ? warning : warning.message;
		const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
		if (
			(type === "ExperimentalWarning" || warning instanceof Error) &&
			/^SQLite is an experimental feature/.test(text)
		)
			return;
		return (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
	}) as typeof process.emitWarning;
	try {
		loaded = createRequire(import.meta.url)("node:sqlite") as SqliteModule;
	} finally {
		process.emitWarning = emit;
	}
	return loaded;
}

export type Database = InstanceType<SqliteModule["DatabaseSync"]>;
export type Statement = ReturnType<Database["prepare"]>;

const statements = new WeakMap<Database, Map<string, Statement>>();

/**
 * `db.prepare(sql)`, once per connection. SQLite compiles a statement in 10–30 µs here, and the
 * store runs the same few on every change it writes or reads back (a failover's cooldown cost
 * ~200 µs of main thread in `prepare` alone). A schema change by another connection is handled by
 * SQLite itself (the statement is compiled again on its next step).
 */
export function statement(db: Database, sql: string): Statement {
	let cached = statements.get(db);
	if (!cached) {
		cached = new Map();
		statements.set(db, cached);
	}
	let prepared = cached.get(sql);
	if (!prepared) {
		prepared = db.prepare(sql);
		cached.set(sql, prepared);
	}
	return prepared;
}

/** SQLite's primary result code of a thrown error (`errcode`), or undefined for other errors. */
export function sqliteCode(error: unknown): number | undefined {
	const code = (error as { errcode?: unknown } | undefined)?.errcode;
	return typeof code === "number" ? code & 0xff : undefined;
}

/** Primary result codes used here. */
export const SQLITE_BUSY = 5;
export const SQLITE_READONLY = 8;
export const SQLITE_IOERR = 10;
export const SQLITE_CORRUPT = 11;
export const SQLITE_FULL = 13;
export const SQLITE_CANTOPEN = 14;
export const SQLITE_NOTADB = 26;

const NAMES: Record<number, string> = {
	[SQLITE_BUSY]: "SQLITE_BUSY",
	[SQLITE_READONLY]: "SQLITE_READONLY",
	[SQLITE_IOERR]: "SQLITE_IOERR",
	[SQLITE_CORRUPT]: "SQLITE_CORRUPT",
	[SQLITE_FULL]: "SQLITE_FULL",
	[SQLITE_CANTOPEN]: "SQLITE_CANTOPEN",
	[SQLITE_NOTADB]: "SQLITE_NOTADB",
};

/** A short name for an error from the database or the file system ("SQLITE_IOERR", "EACCES", ...). */
export function errorCodeName(error: unknown): string {
	const code = sqliteCode(error);
	if (code !== undefined) return NAMES[code] ?? `SQLITE_${code}`;
	const errno = (error as NodeJS.ErrnoException | undefined)?.code;
	return typeof errno === "string" ? errno : "unknown";
}
