import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";
import { spawnChild } from "../fixtures/store/spawn-child.ts";

describe("a write that fails half way", () => {
	// RLIMIT_FSIZE binds root too, so this runs everywhere; Node ignores SIGXFSZ and gets EFBIG.
	it.skipIf(process.platform === "win32")(
		"(file size limit → EFBIG) leaves the old file and no temp file",
		async () => {
			const store = new AccountStore({ home: await tempHome() });
			await store.update((d) => {
				d.accounts.push(account("acct-a"));
			});
			const before = await readFile(store.file, "utf8");
			const child = spawnChild("one-update-child.ts", [store.home, "big", "65536"], { ulimitFileBlocks: 8 });
			const error = await child.next("error");
			expect(error).toMatchObject({ name: "StoreWriteError", code: "E_STORE_WRITE", errnoCode: "EFBIG" });
			expect(error.message).toContain(`cannot write ${store.file}: EFBIG`);
			expect((await child.exited).code).toBe(1);
			expect(await readFile(store.file, "utf8")).toBe(before);
			expect((await readdir(store.home)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
			expect((await store.read()).accounts.map((a) => a.id)).toEqual(["acct-a"]);
		},
	);
});
