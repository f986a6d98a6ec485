import { execFileSync } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";

let immutable: string[] = [];
afterEach(() => {
	if (immutable.length) execFileSync("chattr", ["-i", ...immutable]);
	immutable = [];
});

const fresh = { access: "access-new", refresh: "refresh-new", expiresAt: 2e12 };

describe.skipIf(process.getuid?.() !== 0)(
	"rotated tokens the database refuses (chattr +i on pool.db and its WAL)",
	() => {
		it("go to a 0600 side file that the next store to open merges, once, by compare-and-set", async () => {
			const store = new AccountStore({ home: await tempHome() });
			await store.update((d) => {
				d.accounts.push(account("acct-a"), account("acct-b"));
			});
			immutable = [store.file, `${store.file}-wal`];
			execFileSync("chattr", ["+i", ...immutable]);
			const save = await store.saveRotation("acct-a", "refresh-acct-a-1", fresh, 1);
			expect(save).toMatchObject({ saved: false, reason: expect.stringMatching(/^E_STORE_WRITE SQLITE_/) });
			const sideFile = (save as { sideFile: string }).sideFile;
			expect((await stat(sideFile)).mode & 0o777).toBe(0o600);
			execFileSync("chattr", ["-i", ...immutable]);
			immutable = [];

			const next = new AccountStore({ home: store.home });
			const data = await next.read();
			expect(data.accounts.find((a) => a.id === "acct-a")!.credentials).toEqual(fresh);
			expect(data.accounts.find((a) => a.id === "acct-b")!.credentials.refresh).toBe("refresh-acct-b-1");
			expect((await readdir(store.home)).filter((n) => n.startsWith("pending-"))).toEqual([]);
		});

		it("a side file whose spent token the account no longer holds (a newer login) is dropped, not applied", async () => {
			const store = new AccountStore({ home: await tempHome() });
			await store.update((d) => {
				d.accounts.push(account("acct-a"));
			});
			immutable = [store.file, `${store.file}-wal`];
			execFileSync("chattr", ["+i", ...immutable]);
			await store.saveRotation("acct-a", "refresh-acct-a-1", fresh, 0);
			execFileSync("chattr", ["-i", ...immutable]);
			immutable = [];
			const login = { access: "access-login", refresh: "refresh-login", expiresAt: 3e12 };
			store.close();
			// A new login lands before any store opens again (written behind the store's back, as another version could).
			const { sqlite } = await import("../../src/store/sqlite.ts");
			const db = new (sqlite().DatabaseSync)(store.file);
			db.prepare("UPDATE accounts SET record = json_set(record, '$.credentials', json(?)) WHERE id = 'acct-a'").run(
				JSON.stringify(login),
			);
			db.close();
			const next = new AccountStore({ home: store.home });
			expect((await next.read()).accounts[0]!.credentials).toEqual(login);
			expect((await readdir(join(store.home))).filter((n) => n.startsWith("pending-"))).toEqual([]);
		});
	},
);
