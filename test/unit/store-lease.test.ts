import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { threadId, Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { sqlite } from "../../src/store/sqlite.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";

async function seeded(options: Partial<ConstructorParameters<typeof AccountStore>[0]> = {}): Promise<AccountStore> {
	const store = new AccountStore({ home: await tempHome(), ...options });
	await store.update((d) => {
		d.accounts.push(account("acct-a"));
	});
	return store;
}

/** Writes a lease row as another holder (thread 99, not this one) would have left it. */
function plantLease(store: AccountStore, row: { host?: string; pid: number; startTime?: string; expiresInMs: number }) {
	const db = new (sqlite().DatabaseSync)(store.file);
	const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
	db.prepare(
		"INSERT OR REPLACE INTO leases(name, host, boot_id, pid, start_time, thread_id, nonce, expires_at) VALUES (?, ?, ?, ?, ?, 99, 'x', ?)",
	).run("refresh:acct-a", row.host ?? hostname(), boot, row.pid, row.startTime ?? "1", Date.now() + row.expiresInMs);
	db.close();
}

describe("AccountStore leases (withAccountLock)", () => {
	it("holds a lease row naming this process and thread while fn runs, none after", async () => {
		const store = await seeded();
		await store.withAccountLock("acct-a", async () => {
			expect(await store.leases()).toEqual([
				expect.objectContaining({ name: "refresh:acct-a", pid: process.pid, host: hostname(), threadId }),
			]);
		});
		expect(await store.leases()).toEqual([]);
	});

	it("releases the lease when fn throws", async () => {
		const store = await seeded();
		await expect(
			store.withAccountLock("acct-a", async () => {
				throw new Error("boom");
			}),
		).rejects.toThrow("boom");
		expect(await store.leases()).toEqual([]);
	});

	it("a second holder (another store, same process) waits and gets it on release", async () => {
		const store = await seeded();
		const other = new AccountStore({ home: store.home });
		const order: string[] = [];
		let releasedAt = 0;
		let gotAt = 0;
		const first = store.withAccountLock("acct-a", async () => {
			order.push("first in");
			await new Promise((r) => setTimeout(r, 150));
			order.push("first out");
			releasedAt = performance.now();
		});
		await new Promise((r) => setTimeout(r, 20));
		const second = other.withAccountLock("acct-a", async () => {
			gotAt = performance.now();
			order.push("second in");
		});
		await Promise.all([first, second]);
		expect(order).toEqual(["first in", "first out", "second in"]);
		// Woken by the release commit, not by the 250 ms re-check.
		expect(gotAt - releasedAt).toBeLessThan(200);
	});

	it("times out on a live holder with StoreLockTimeoutError naming it", async () => {
		const store = await seeded({ accountLockTimeoutMs: 300 });
		plantLease(store, { pid: process.pid, startTime: readStart(process.pid), expiresInMs: 60_000 });
		await expect(store.withAccountLock("acct-a", async () => 1)).rejects.toMatchObject({
			name: "StoreLockTimeoutError",
			code: "E_STORE_LOCK_TIMEOUT",
			holder: expect.objectContaining({ pid: process.pid }),
		});
	});

	it.each([
		["whose pid no longer exists", { pid: 2 ** 22 - 7 }],
		["whose pid now belongs to a process started at another time", { pid: process.pid, startTime: "1" }],
	])("takes over at once a lease held on this host by a process %s", async (_, holder) => {
		const store = await seeded();
		plantLease(store, { ...holder, expiresInMs: 60_000 });
		const started = performance.now();
		await store.withAccountLock("acct-a", async () => {});
		expect(performance.now() - started).toBeLessThan(200);
	});

	it("takes over a row this thread left behind (its release was refused) instead of waiting for itself", async () => {
		const store = await seeded();
		const db = new (sqlite().DatabaseSync)(store.file);
		db.prepare(
			"INSERT INTO leases(name, host, boot_id, pid, start_time, thread_id, nonce, expires_at) SELECT 'refresh:acct-a', host, boot_id, pid, start_time, ?, 'gone', ? FROM (SELECT ? AS host, '' AS boot_id, ? AS pid, ? AS start_time)",
		).run(threadId, Date.now() + 60_000, hostname(), process.pid, readStart(process.pid));
		db.close();
		const started = performance.now();
		await store.withAccountLock("acct-a", async () => {});
		expect(performance.now() - started).toBeLessThan(200);
	});

	it("waits for the expiry of a holder on another host", async () => {
		const store = await seeded();
		plantLease(store, { host: "elsewhere.example", pid: 1, expiresInMs: 600 });
		const started = performance.now();
		await store.withAccountLock("acct-a", async () => {});
		expect(performance.now() - started).toBeGreaterThanOrEqual(500);
	});

	it("releaseLeasesOfThread drops a terminated worker's lease", async () => {
		const store = await seeded();
		const worker = new Worker(
			`const { parentPort, workerData } = require("node:worker_threads");
			import(workerData.store).then(async ({ AccountStore }) => {
				const s = new AccountStore({ home: workerData.home });
				s.withAccountLock("acct-a", () => { parentPort.postMessage("holding"); return new Promise(() => {}); });
			});`,
			{
				eval: true,
				workerData: { home: store.home, store: new URL("../../src/store/account-store.ts", import.meta.url).href },
			},
		);
		await new Promise((resolve) => worker.once("message", resolve));
		const workerThread = worker.threadId;
		await worker.terminate();
		expect((await store.leases()).map((l) => l.threadId)).toEqual([workerThread]);
		expect(await store.releaseLeasesOfThread(workerThread)).toBe(1);
		expect(await store.leases()).toEqual([]);
	});

	it("a lease taken away while held aborts fn's signal and fails the call", async () => {
		const store = await seeded({ leaseTtlMs: 150 });
		await expect(
			store.withAccountLock("acct-a", async (signal) => {
				plantLease(store, { host: "elsewhere.example", pid: 1, expiresInMs: 60_000 });
				await new Promise((r) => setTimeout(r, 200));
				expect(signal.aborted).toBe(true);
			}),
		).rejects.toMatchObject({ name: "StoreLockCompromisedError" });
	});
});

function readStart(pid: number): string {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}
