import { chmod, chown, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";
import { spawnChild } from "../fixtures/store/spawn-child.ts";

// As root, chmod does not stop writes; the permission cases then run in a child as `nobody`.
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

async function storeWithOneAccount(): Promise<{ store: AccountStore; before: string }> {
	const store = new AccountStore({ home: await tempHome() });
	await store.update((d) => {
		d.accounts.push(account("acct-a"));
	});
	return { store, before: await readFile(store.file, "utf8") };
}

describe("write failures leave the existing file untouched", () => {
	it.skipIf(isRoot)("read-only home (chmod 0500) → StoreWriteError EACCES", async () => {
		const { store, before } = await storeWithOneAccount();
		for (const keepLocksDir of [true, false]) {
			if (!keepLocksDir) await rm(store.locksDir, { recursive: true });
			await chmod(store.home, 0o500);
			try {
				const error = await store
					.update((d) => {
						d.accounts.push(account("acct-b"));
					})
					.catch((e: unknown) => e);
				expect(error).toMatchObject({ name: "StoreWriteError", code: "E_STORE_WRITE", errnoCode: "EACCES" });
				expect((error as Error).message).toContain(`cannot write ${store.file}: EACCES`);
			} finally {
				await chmod(store.home, 0o700);
			}
			expect(await readFile(store.file, "utf8")).toBe(before);
		}
	});

	it.skipIf(!isRoot)("read-only home (chmod 0500), written by a non-root child → StoreWriteError EACCES", async () => {
		const { store, before } = await storeWithOneAccount();
		// The child (uid nobody) must reach the home but not write in it.
		await chmod(dirname(store.home), 0o755);
		for (const path of [store.home, store.locksDir, store.file]) await chown(path, NOBODY, NOBODY);
		for (const keepLocksDir of [true, false]) {
			if (!keepLocksDir) await rm(store.locksDir, { recursive: true });
			await chmod(store.home, 0o500);
			const child = spawnChild("one-update-child.ts", [store.home, "b", "16"], { uid: NOBODY });
			const error = await child.next("error");
			expect(error).toMatchObject({ name: "StoreWriteError", code: "E_STORE_WRITE", errnoCode: "EACCES" });
			expect(error.message).toContain(`cannot write ${store.file}: EACCES`);
			expect((await child.exited).code).toBe(1);
			expect(await readFile(store.file, "utf8")).toBe(before);
		}
	});

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
		await expect(store.read()).rejects.toMatchObject({
			name: "StoreReadError",
			code: "E_STORE_READ",
			errnoCode: "ENOTDIR",
		});
		expect(await readFile(join(base, "not-a-folder"), "utf8")).toBe("x");
	});

	it("accounts.json that is a folder → StoreReadError EISDIR, nothing replaced", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await mkdir(join(store.file, "inside"), { recursive: true });
		await expect(store.read()).rejects.toMatchObject({ name: "StoreReadError", errnoCode: "EISDIR" });
		await expect(store.update(() => {})).rejects.toMatchObject({ name: "StoreReadError", errnoCode: "EISDIR" });
		await expect(readFile(join(store.file, "inside"))).rejects.toMatchObject({ code: "EISDIR" });
	});
});
