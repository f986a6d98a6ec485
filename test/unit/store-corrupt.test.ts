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

async function storeWith(content: string): Promise<AccountStore> {
	const store = new AccountStore({ home: await tempHome() });
	await mkdir(store.home, { recursive: true, mode: 0o700 });
	await writeFile(store.file, content, { mode: 0o600 });
	return store;
}

async function backups(store: AccountStore): Promise<string[]> {
	return (await readdir(store.home))
		.filter((n) => n.startsWith("accounts.json.corrupt-"))
		.map((n) => join(store.home, n));
}

describe.each(cases)("a store holding %s", (_, content, reason) => {
	it("throws StoreCorruptError, keeps a byte copy, and leaves the file alone", async () => {
		const store = await storeWith(content);
		const error = await store.read().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(StoreCorruptError);
		expect(error).toMatchObject({ name: "StoreCorruptError", code: "E_STORE_CORRUPT", file: store.file });
		const corrupt = error as StoreCorruptError;
		expect(corrupt.reason).toMatch(reason);
		// One line, names the file and the copy, and never quotes the content.
		expect(corrupt.message).not.toContain("\n");
		expect(corrupt.message).toContain(store.file);
		expect(corrupt.message).toContain(corrupt.backupFile);
		expect(corrupt.message).not.toContain(SECRET);

		const kept = await backups(store);
		expect(kept).toEqual([corrupt.backupFile]);
		expect(await readFile(kept[0]!, "utf8")).toBe(content);
		expect((await stat(kept[0]!)).mode & 0o777).toBe(0o600);
		expect(await readFile(store.file, "utf8")).toBe(content);
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
		expect(await readFile(store.file, "utf8")).toBe(content);

		// Reading again (other processes, the watcher) does not pile up copies.
		await store.read().catch(() => {});
		await new AccountStore({ home: store.home }).read().catch(() => {});
		expect(await backups(store)).toHaveLength(1);

		await writeFile(store.file, valid);
		await store.update((d) => {
			d.accounts.push(account("acct-b"));
		});
		expect((await store.read()).accounts.map((a) => a.id)).toEqual(["acct-a", "acct-b"]);
	});
});

describe("a store whose file was moved away", () => {
	it("starts empty again", async () => {
		const store = await storeWith("{nope");
		await expect(store.read()).rejects.toMatchObject({ code: "E_STORE_CORRUPT" });
		await rm(store.file);
		await expect(store.read()).resolves.toEqual({ accounts: [], state: {} });
	});
});
