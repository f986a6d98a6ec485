import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { CURRENT_SCHEMA, migrate } from "../../src/store/migrate.ts";
import { DB_SCHEMA } from "../../src/store/pool-db.ts";
import { sqlite } from "../../src/store/sqlite.ts";
import { peekDb } from "../fixtures/store/db-peek.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";

const legacy = [
	{
		label: "work",
		accountId: "acct-w",
		access: "legacy-access-w",
		refresh: "legacy-refresh-w",
		expires: 1_700_000_000_000,
		email: "w@example.test",
	},
	{
		label: "home",
		accountId: "acct-h",
		access: "legacy-access-h",
		refresh: "legacy-refresh-h",
		expires: 1_700_000_100_000,
	},
];

describe("migrate", () => {
	it("upgrades a schema-0 bare array to schema-1 records", () => {
		const result = migrate(legacy, 123);
		expect(result).toEqual({
			ok: true,
			fromSchema: 0,
			data: {
				accounts: [
					{
						id: "acct-w",
						label: "work",
						email: "w@example.test",
						credentials: { access: "legacy-access-w", refresh: "legacy-refresh-w", expiresAt: 1_700_000_000_000 },
						addedAt: 123,
						updatedAt: 123,
					},
					{
						id: "acct-h",
						label: "home",
						credentials: { access: "legacy-access-h", refresh: "legacy-refresh-h", expiresAt: 1_700_000_100_000 },
						addedAt: 123,
						updatedAt: 123,
					},
				],
				state: {},
			},
		});
	});

	it("accepts the current schema as is", () => {
		const data = { schema: 1, accounts: [account("a")], state: {} };
		expect(migrate(data, 0)).toEqual({ ok: true, fromSchema: 1, data: { accounts: data.accounts, state: {} } });
	});

	it("refuses a newer schema before looking at its shape", () => {
		expect(migrate({ schema: CURRENT_SCHEMA + 1, whatever: true }, 0)).toEqual({
			ok: false,
			kind: "future",
			schema: 2,
		});
	});

	it.each([
		[
			"a legacy item without refresh",
			[{ label: "x", accountId: "y", access: "z", expires: 1 }],
			"[0].refresh must be a string",
		],
		[
			"a legacy list with a duplicate id",
			[legacy[0], legacy[0]],
			"legacy list: accounts[1].id repeats an earlier account",
		],
		["no schema", { accounts: [], state: {} }, "schema must be a positive integer"],
		["a string schema", { schema: "1", accounts: [], state: {} }, "schema must be a positive integer"],
		["accounts not an array", { schema: 1, accounts: {}, state: {} }, "accounts must be an array"],
		["missing state", { schema: 1, accounts: [] }, "state must be an object"],
		["a top-level number", 7, "top level must be an object"],
		[
			"a bad nested usage window",
			{
				schema: 1,
				accounts: [],
				state: { a: { usage: { observedAt: 1, source: "poll", primary: { usedPercent: "x" } } } },
			},
			'state["a"].usage.primary.usedPercent must be a number',
		],
	])("calls %s corrupt", (_, raw, reason) => {
		expect(migrate(raw, 0)).toEqual({ ok: false, kind: "corrupt", reason });
	});
});

describe("AccountStore with older and newer files", () => {
	it("imports a schema-0 accounts.json once, in one transaction, and keeps it renamed (0600)", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await mkdir(store.home, { recursive: true });
		const original = JSON.stringify(legacy);
		const legacyFile = join(store.home, "accounts.json");
		await writeFile(legacyFile, original, { mode: 0o644 });

		const data = await store.read();
		expect(data.accounts.map((a) => [a.id, a.label, a.credentials.refresh])).toEqual([
			["acct-w", "work", "legacy-refresh-w"],
			["acct-h", "home", "legacy-refresh-h"],
		]);
		await expect(stat(legacyFile)).rejects.toMatchObject({ code: "ENOENT" });
		const kept = join(store.home, "accounts.json.imported");
		expect(await readFile(kept, "utf8")).toBe(original);
		expect((await stat(kept)).mode & 0o777).toBe(0o600);
		expect(peekDb(store.file).meta).toMatchObject({ schema: String(DB_SCHEMA), imported: "accounts.json" });

		// An accounts.json appearing later (an old pi-dispatch wrote one) is not imported over the pool.
		await store.update((d) => {
			d.accounts[0]!.label = "work2";
		});
		await writeFile(legacyFile, JSON.stringify([]));
		const again = new AccountStore({ home: store.home });
		expect((await again.read()).accounts.map((a) => a.label)).toEqual(["work2", "home"]);
	});

	it("refuses an accounts.json from a newer schema on read and update, and never touches it", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await mkdir(store.home, { recursive: true });
		const future = JSON.stringify({ schema: 7, accounts: { shiny: true } });
		const legacyFile = join(store.home, "accounts.json");
		await writeFile(legacyFile, future);

		const expected = { name: "StoreFutureSchemaError", code: "E_STORE_FUTURE_SCHEMA", schema: 7, supported: 1 };
		await expect(store.read()).rejects.toMatchObject(expected);
		const mutate = (d: { accounts: unknown[] }) => {
			d.accounts.push(account("acct-a"));
		};
		await expect(store.update(mutate)).rejects.toMatchObject(expected);
		const error = await store.read().catch((e: Error) => e);
		expect((error as Error).message).toMatch(/schema 7.*schema 1.*upgrade pi-dispatch/);
		expect((error as Error).message).toContain(legacyFile);
		expect(await readFile(legacyFile, "utf8")).toBe(future);
	});

	it("refuses a database from a newer schema and never writes to it", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		store.close();
		const db = new (sqlite().DatabaseSync)(store.file);
		db.exec("UPDATE meta SET value = '9' WHERE key = 'schema'");
		db.close();
		const fresh = new AccountStore({ home: store.home });
		const expected = {
			name: "StoreFutureSchemaError",
			code: "E_STORE_FUTURE_SCHEMA",
			schema: 9,
			supported: DB_SCHEMA,
		};
		await expect(fresh.read()).rejects.toMatchObject(expected);
		await expect(fresh.update(() => {})).rejects.toMatchObject(expected);
		expect(peekDb(store.file).accounts).toHaveLength(1);
	});
});
