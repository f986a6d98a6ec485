import { mkdir, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import type { LockWaitInfo } from "../../src/store/file-lock.ts";
import { accountLockName, DATA_LOCK_NAME } from "../../src/store/lock-paths.ts";
import { StoreLockTimeoutError } from "../../src/store/store-errors.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function deferred() {
	let resolve!: () => void;
	const promise = new Promise<void>((r) => {
		resolve = r;
	});
	return { promise, resolve };
}

/** A lock folder as another live process would leave it. */
async function foreignLock(store: AccountStore, name: string, ageMs = 0): Promise<string> {
	const path = join(store.locksDir, name);
	await mkdir(path, { recursive: true });
	await writeFile(
		join(path, "owner.json"),
		JSON.stringify({ pid: 4242, hostname: "elsewhere", acquiredAt: 1_700_000_000_000 }),
	);
	const at = new Date(Date.now() - ageMs);
	await utimes(path, at, at);
	return path;
}

describe("account lock names", () => {
	it("are safe folder names that keep similar ids apart", () => {
		const names = ["acct-1", "a.b", "a_b", "../../etc/passwd", "x".repeat(300), "ü/\u0000"].map(accountLockName);
		for (const name of names) {
			expect(name).toMatch(/^account-[A-Za-z0-9_-]{0,48}-[0-9a-f]{12}\.lock$/);
		}
		expect(new Set(names).size).toBe(names.length);
		expect(accountLockName("acct-1")).toBe(accountLockName("acct-1"));
	});
});

describe("AccountStore locks", () => {
	it("releases its lock folders when done", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		await store.withAccountLock("acct-a", async () => {
			expect(await readdir(store.locksDir)).toEqual([accountLockName("acct-a")]);
			const owner = JSON.parse(
				await readFile(join(store.locksDir, accountLockName("acct-a"), "owner.json"), "utf8"),
			);
			expect(owner).toMatchObject({ pid: process.pid, hostname: hostname() });
		});
		expect(await readdir(store.locksDir)).toEqual([]);
	});

	it("runs one holder of an account lock at a time", async () => {
		const store = new AccountStore({ home: await tempHome() });
		let inside = 0;
		let maxInside = 0;
		await Promise.all(
			Array.from({ length: 6 }, () =>
				store.withAccountLock("acct-a", async () => {
					inside++;
					maxInside = Math.max(maxInside, inside);
					await sleep(10);
					inside--;
				}),
			),
		);
		expect(maxInside).toBe(1);
	});

	it("lets writes and other accounts proceed while one account's lock is held", async () => {
		const store = new AccountStore({ home: await tempHome() });
		const release = deferred();
		const holding = store.withAccountLock("acct-a", () => release.promise);
		const started = Date.now();
		await store.update((d) => {
			d.accounts.push(account("acct-b"));
		});
		await store.withAccountLock("acct-b", async () => {});
		expect(Date.now() - started).toBeLessThan(1000);
		release.resolve();
		await holding;
	});

	it("times out on a live foreign lock and names its holder", async () => {
		const store = new AccountStore({ home: await tempHome(), lockTimeoutMs: 300, accountLockTimeoutMs: 300 });
		await store.update(() => {});
		const lockPath = await foreignLock(store, DATA_LOCK_NAME);
		const error = await store.update(() => {}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(StoreLockTimeoutError);
		expect(error).toMatchObject({
			name: "StoreLockTimeoutError",
			code: "E_STORE_LOCK_TIMEOUT",
			lockPath,
			holder: { pid: 4242, hostname: "elsewhere", acquiredAt: 1_700_000_000_000 },
		});
		expect((error as StoreLockTimeoutError).waitedMs).toBeGreaterThanOrEqual(300);
		expect((error as Error).message).toContain("pid 4242 on elsewhere");

		await foreignLock(store, accountLockName("acct-a"));
		await expect(store.withAccountLock("acct-a", async () => 1)).rejects.toMatchObject({
			code: "E_STORE_LOCK_TIMEOUT",
			holder: { pid: 4242 },
		});
	});

	it("times out behind a slow holder in the same process too", async () => {
		const home = await tempHome();
		const slow = new AccountStore({ home });
		const impatient = new AccountStore({ home, lockTimeoutMs: 200 });
		const release = deferred();
		const holding = slow.update(() => release.promise);
		await sleep(50);
		await expect(impatient.update(() => {})).rejects.toMatchObject({
			code: "E_STORE_LOCK_TIMEOUT",
			holder: { pid: process.pid },
		});
		release.resolve();
		await holding;
		await expect(impatient.update(() => 3)).resolves.toBe(3);
	});

	it("takes over a stale lock left by a dead process", async () => {
		const store = new AccountStore({ home: await tempHome(), lockStaleMs: 2000 });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		await foreignLock(store, DATA_LOCK_NAME, 60_000);
		await foreignLock(store, accountLockName("acct-a"), 60_000);
		const started = Date.now();
		await store.update((d) => {
			d.accounts.push(account("acct-b"));
		});
		await store.withAccountLock("acct-a", async () => {});
		expect(Date.now() - started).toBeLessThan(1000);
		expect((await store.read()).accounts).toHaveLength(2);
		expect(await readdir(store.locksDir)).toEqual([]);
	});

	it("fails cleanly, writing nothing, when the lock is lost while held", async () => {
		const store = new AccountStore({ home: await tempHome(), lockStaleMs: 2000 });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		const before = await readFile(store.file, "utf8");
		await expect(
			store.update(async (d) => {
				d.accounts.push(account("acct-b"));
				// Someone removes the lock; the holder's next refresh (every staleMs / 2) notices.
				await rm(join(store.locksDir, DATA_LOCK_NAME), { recursive: true });
				await sleep(1600);
			}),
		).rejects.toMatchObject({ name: "StoreLockCompromisedError", code: "E_STORE_LOCK_COMPROMISED" });
		expect(await readFile(store.file, "utf8")).toBe(before);

		let aborted = false;
		await expect(
			store.withAccountLock("acct-a", async (signal) => {
				await rm(join(store.locksDir, accountLockName("acct-a")), { recursive: true });
				await sleep(1600);
				aborted = signal.aborted;
			}),
		).rejects.toMatchObject({ code: "E_STORE_LOCK_COMPROMISED" });
		expect(aborted).toBe(true);

		// Nothing lingers: the next operations work.
		await store.update((d) => {
			d.accounts.push(account("acct-c"));
		});
		expect((await store.read()).accounts.map((a) => a.id)).toEqual(["acct-a", "acct-c"]);
	});

	it("reports how long each lock took", async () => {
		const waits: LockWaitInfo[] = [];
		const store = new AccountStore({ home: await tempHome(), onLockWait: (info) => waits.push(info) });
		const inside = deferred();
		const slow = store.update(async () => {
			inside.resolve();
			await sleep(50);
		});
		await inside.promise;
		await Promise.all([slow, store.update(() => {})]);
		expect(waits).toHaveLength(2);
		expect(waits[0]).toMatchObject({ attempts: 1 });
		expect(waits[1]!.waitedMs).toBeGreaterThanOrEqual(40);
		expect(waits[1]!.lockPath).toBe(join(store.locksDir, DATA_LOCK_NAME));
	});
});
