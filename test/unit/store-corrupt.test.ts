import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { StoreCorruptError } from "../../src/store/store-errors.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";

const SECRET = "eyJhbGciOiJSUzI1NiJ9.very-secret-token";
const valid = JSON.stringify(
	{
		schema: 1,
		accounts: [account("acct-a", { credentials: { access: SECRET, refresh: SECRET, expiresAt: 1 } })],
		state: {},
	},
	null,
	"\t",
);

const cases: [string, string, RegExp][] = [
	["corrupt JSON", `{"schema": 1, "accounts": [${SECRET}]}`, /not valid JSON/],
	["a truncated file", valid.slice(0, Math.floor(valid.length / 2)), /not valid JSON/],
	["an empty file", "", /empty file/],
	[
		"the wrong shape",
		JSON.stringify({
			schema: 1,
			accounts: [{ id: "x", label: "y", credentials: { access: SECRET }, addedAt: 1, updatedAt: 1 }],
			state: {},
		}),
		/accounts\[0\]\.credentials\.refresh must be a string/,
	],
	["a non-object top level", JSON.stringify("just a string"), /top level must be an object/],
];

/** A store whose folder holds an old accounts.json with `content` (imported on first open). */
async function storeWith(content: string): Promise<AccountStore & { legacy: string }> {
	const store = new AccountStore({ home: await tempHome() });
	await mkdir(store.home, { recursive: true, mode: 0o700 });
	const legacy = join(store.home, "accounts.json");
	await writeFile(legacy, content, { mode: 0o600 });
	return Object.assign(store, { legacy });
}

async function backups(store: AccountStore, prefix = "accounts.json.corrupt-"): Promise<string[]> {
	return (await readdir(store.home)).filter((n) => n.startsWith(prefix)).map((n) => join(store.home, n));
}

describe.each(cases)("an accounts.json to import holding %s", (_, content, reason) => {
	it("throws StoreCorruptError, keeps a byte copy, and leaves the file alone", async () => {
		const store = await storeWith(content);
		const error = await store.read().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(StoreCorruptError);
		expect(error).toMatchObject({ name: "StoreCorruptError", code: "E_STORE_CORRUPT", file: store.legacy });
		const corrupt = error as StoreCorruptError;
		expect(corrupt.reason).toMatch(reason);
		// One line, names the file and the copy, and never quotes the content.
		expect(corrupt.message).not.toContain("\n");
		expect(corrupt.message).toContain(store.legacy);
		expect(corrupt.message).toContain(corrupt.backupFile);
		expect(corrupt.message).not.toContain(SECRET);

		const kept = await backups(store);
		expect(kept).toEqual([corrupt.backupFile]);
		expect(await readFile(kept[0]!, "utf8")).toBe(content);
		expect((await stat(kept[0]!)).mode & 0o777).toBe(0o600);
		expect(await readFile(store.legacy, "utf8")).toBe(content);
	});

	it("refuses to update over it until the file is fixed", async () => {
		const store = await storeWith(content);
		let called = false;
		await expect(
			store.update(() => {
				called = true;
			}),
		).rejects.toMatchObject({ code: "E_STORE_CORRUPT" });
		expect(called).toBe(false);
		expect(await readFile(store.legacy, "utf8")).toBe(content);

		// Reading again (other processes, the watcher) does not pile up copies.
		await store.read().catch(() => {});
		await new AccountStore({ home: store.home }).read().catch(() => {});
		expect(await backups(store)).toHaveLength(1);

		await writeFile(store.legacy, valid);
		await store.update((d) => {
			d.accounts.push(account("acct-b"));
		});
		expect((await store.read()).accounts.map((a) => a.id)).toEqual(["acct-a", "acct-b"]);
	});
});

describe("a pool.db that is not a database", () => {
	const garbage = `${SECRET} `.repeat(200);

	it("is named, copied byte for byte beside it, never written over; moved away → starts empty", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await mkdir(store.home, { recursive: true, mode: 0o700 });
		await writeFile(store.file, garbage, { mode: 0o600 });
		const error = (await store.read().catch((e: unknown) => e)) as StoreCorruptError;
		expect(error).toMatchObject({ name: "StoreCorruptError", code: "E_STORE_CORRUPT", file: store.file });
		expect(error.reason).toBe("file is not a database");
		expect(error.message).not.toContain("\n");
		expect(error.message).not.toContain(SECRET);
		expect(error.message).toContain(error.backupFile);
		await expect(store.update(() => {})).rejects.toMatchObject({ code: "E_STORE_CORRUPT" });
		await new AccountStore({ home: store.home }).read().catch(() => {});
		const kept = await backups(store, "pool.db.corrupt-");
		expect(kept).toEqual([error.backupFile]);
		expect(await readFile(kept[0]!, "utf8")).toBe(garbage);
		expect(await readFile(store.file, "utf8")).toBe(garbage);
		await rm(store.file);
		await expect(store.read()).resolves.toEqual({ accounts: [], state: {} });
	});

	it("a directory where the database should be is named as such", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await mkdir(store.file, { recursive: true });
		const error = (await store.update(() => {}).catch((e: unknown) => e)) as Error;
		expect(error).toMatchObject({ name: "StoreReadError", code: "E_STORE_READ", errnoCode: "EISDIR" });
		expect(error.message).toBe(
			`${store.file} is a directory, not pi-dispatch's database; move it away (pi-dispatch will not touch it).`,
		);
		await expect(store.read()).rejects.toMatchObject({ errnoCode: "EISDIR" });
	});
});
