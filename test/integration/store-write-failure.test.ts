import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";
import { spawnChild } from "../fixtures/store/spawn-child.ts";

describe("a write that fails half way", () => {
	// RLIMIT_FSIZE binds root too, so this runs everywhere; Node ignores SIGXFSZ and the write fails.
	it.skipIf(process.platform === "win32")(
		"(file size limit) rolls back: the old rows stay, no temp file, the next writer writes",
		async () => {
			const store = new AccountStore({ home: await tempHome() });
			await store.update((d) => {
				d.accounts.push(account("acct-a"));
			});
			const child = spawnChild("one-update-child.ts", [store.home, "big", "262144"], { ulimitFileBlocks: 64 });
			const error = await child.next("error");
			expect(error).toMatchObject({ name: "StoreWriteError", code: "E_STORE_WRITE" });
			expect(error.errnoCode).toMatch(/^SQLITE_(FULL|IOERR)$/);
			expect(error.message).toContain(`cannot write ${store.file}: `);
			expect((await child.exited).code).toBe(1);
			expect((await store.read()).accounts.map((a) => a.id)).toEqual(["acct-a"]);
			expect((await readdir(store.home)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
			await store.update((d) => {
				d.accounts.push(account("acct-b"));
			});
			expect((await new AccountStore({ home: store.home }).read()).accounts).toHaveLength(2);
		},
	);
});
