import { chmod, chown, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { peekDb } from "../fixtures/store/db-peek.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";
import { spawnChild } from "../fixtures/store/spawn-child.ts";

// As root, chmod does not stop writes; the permission case then runs in a child as `nobody`.
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

async function storeWithOneAccount(): Promise<{ store: AccountStore; before: unknown }> {
	const store = new AccountStore({ home: await tempHome() });
	await store.update((d) => {
		d.accounts.push(account("acct-a"));
	});
	store.close();
	return { store, before: peekDb(store.file) };
}

describe("write failures leave the pool untouched", () => {
	it.skipIf(!isRoot)(
		"read-only home and database, written by a non-root child → one-line StoreWriteError",
		async () => {
			const { store, before } = await storeWithOneAccount();
			await chmod(dirname(store.home), 0o755);
			for (const name of ["", "pool.db", "pool.db-wal", "pool.db-shm"]) {
				await chown(join(store.home, name), NOBODY, NOBODY).catch(() => undefined);
			}
			await chmod(store.file, 0o400);
			await chmod(store.home, 0o500);
			const child = spawnChild("one-update-child.ts", [store.home, "b", "16"], { uid: NOBODY });
			const error = await child.next("error");
			expect(error).toMatchObject({ name: "StoreWriteError", code: "E_STORE_WRITE" });
			expect(error.errnoCode).toMatch(/^SQLITE_(READONLY|CANTOPEN|IOERR)$/);
			expect(error.message).toContain(`cannot write ${store.file}: `);
			expect(error.message).not.toContain("\n");
			expect((await child.exited).code).toBe(1);
			await chmod(store.home, 0o700);
			expect(peekDb(store.file)).toEqual(before);
		},
	);

	it("home below a regular file → StoreWriteError ENOTDIR (no permissions involved)", async () => {
		const base = dirname(await tempHome());
		await writeFile(join(base, "not-a-folder"), "x");
		const store = new AccountStore({ home: join(base, "not-a-folder", "home") });
		await expect(
			store.update((d) => {
				d.accounts.push(account("acct-a"));
			}),
		).rejects.toMatchObject({ name: "StoreWriteError", code: "E_STORE_WRITE", errnoCode: "ENOTDIR" });
		await expect(store.withAccountLock("acct-a", async () => 1)).rejects.toMatchObject({ errnoCode: "ENOTDIR" });
		// Nothing stored there, nothing to read: empty, and nothing created.
		await expect(store.read()).resolves.toEqual({ accounts: [], state: {} });
		expect(await readFile(join(base, "not-a-folder"), "utf8")).toBe("x");
	});

	it("pool.db that is a folder → StoreReadError EISDIR on read, update and lease, nothing replaced", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await mkdir(join(store.file, "inside"), { recursive: true });
		await expect(store.read()).rejects.toMatchObject({ name: "StoreReadError", errnoCode: "EISDIR" });
		await expect(store.update(() => {})).rejects.toMatchObject({ name: "StoreReadError", errnoCode: "EISDIR" });
		await expect(store.withAccountLock("a", async () => 1)).rejects.toMatchObject({ errnoCode: "EISDIR" });
		await expect(readFile(join(store.file, "inside"))).rejects.toMatchObject({ code: "EISDIR" });
	});
});
