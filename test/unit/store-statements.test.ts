/**
 * The store's statements are compiled once per connection (`statement`), and a closed connection
 * leaves nothing behind: Node finalizes its statements on close, so the WAL files go with it.
 */
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sqlite, statement } from "../../src/store/sqlite.ts";

async function walDatabase() {
	const file = join(await mkdtemp(join(tmpdir(), "pi-dispatch-stmt-")), "pool.db");
	const db = new (sqlite().DatabaseSync)(file);
	db.exec("PRAGMA journal_mode=WAL; CREATE TABLE t(a INTEGER)");
	return { db, file };
}

describe("statement", () => {
	it("compiles a statement once per connection and runs it again with new values", async () => {
		const { db } = await walDatabase();
		const insert = statement(db, "INSERT INTO t(a) VALUES (?)");
		expect(statement(db, "INSERT INTO t(a) VALUES (?)")).toBe(insert);
		insert.run(1);
		statement(db, "INSERT INTO t(a) VALUES (?)").run(2);
		expect(statement(db, "SELECT a FROM t ORDER BY a").all()).toEqual([{ a: 1 }, { a: 2 }]);
		const other = await walDatabase();
		expect(statement(other.db, "INSERT INTO t(a) VALUES (?)")).not.toBe(insert);
		db.close();
		other.db.close();
	});

	it("leaves no WAL file once the connection is closed, cached statements and all", async () => {
		const { db, file } = await walDatabase();
		statement(db, "INSERT INTO t(a) VALUES (?)").run(1);
		statement(db, "SELECT a FROM t").all();
		expect(existsSync(`${file}-wal`)).toBe(true);
		db.close();
		expect(existsSync(`${file}-wal`)).toBe(false);
		const reopened = new (sqlite().DatabaseSync)(file);
		expect(statement(reopened, "SELECT a FROM t").all()).toEqual([{ a: 1 }]);
		reopened.close();
	});
});
