import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { AccountCredentials, AccountRecord } from "../../src/store/account-record.ts";
import { AccountStore } from "../../src/store/account-store.ts";
import { refreshSingleFlight } from "../../src/store/single-flight-refresh.ts";
import { sqlite } from "../../src/store/sqlite.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";

async function seeded(): Promise<AccountStore> {
	const store = new AccountStore({ home: await tempHome() });
	await store.update((d) => {
		d.accounts.push(account("acct-a", { needsLogin: { since: 1, reason: "test" } }), account("acct-b"));
	});
	return store;
}

const fresh = (n: number): AccountCredentials => ({
	access: `access-new-${n}`,
	refresh: `refresh-new-${n}`,
	expiresAt: 2e12 + n,
});

/**
 * A store holding acct-a with a short lease, renewed every 50 ms (the renewal finds the row taken
 * over within one tick), and the abort signal of the refresh lease it holds at the moment.
 */
async function leaseWatched(): Promise<{ store: AccountStore; lease: () => AbortSignal | undefined }> {
	const store = new AccountStore({ home: await tempHome(), leaseTtlMs: 150 });
	await store.update((d) => void d.accounts.push(account("acct-a")));
	let lease: AbortSignal | undefined;
	const lock = store.withAccountLock.bind(store);
	store.withAccountLock = (id, fn) =>
		lock(id, (signal) => {
			lease = signal;
			return fn(signal);
		});
	return { store, lease: () => lease };
}

/** A holder on another host takes acct-a's refresh lease over. */
function takeOver(store: AccountStore): void {
	const db = new (sqlite().DatabaseSync)(store.file);
	db.prepare("UPDATE leases SET host = 'other-host', nonce = 'theirs', pid = 1 WHERE name = ?").run("refresh:acct-a");
	db.close();
}

describe("refreshSingleFlight", () => {
	it("refreshes when the stored token is the one the caller knew, and stores the result", async () => {
		const store = await seeded();
		const seen: AccountRecord[] = [];
		const outcome = await refreshSingleFlight(store, "acct-a", "access-acct-a-1", async (current) => {
			seen.push(current);
			return fresh(1);
		});
		expect(outcome).toStrictEqual({ credentials: fresh(1), adopted: false });
		expect(seen.map((r) => r.credentials.refresh)).toEqual(["refresh-acct-a-1"]);
		const stored = (await store.read()).accounts.find((a) => a.id === "acct-a")!;
		expect(stored.credentials).toEqual(fresh(1));
		// A working refresh proves the login is fine again.
		expect(stored.needsLogin).toBeUndefined();
		expect(stored.updatedAt).toBeGreaterThan(1_600_000_000_000);
	});

	it("adopts a token someone else stored, whatever the expiry times say", async () => {
		const store = await seeded();
		// The other process's token "expires" earlier than the caller's old one: tokens decide, not clocks.
		const theirs = { access: "theirs", refresh: "their-refresh", expiresAt: 1 };
		await store.update((d) => {
			d.accounts[1]!.credentials = theirs;
		});
		let called = false;
		const outcome = await refreshSingleFlight(store, "acct-b", "access-acct-b-1", async () => {
			called = true;
			return fresh(2);
		});
		expect(outcome).toEqual({ credentials: theirs, adopted: true });
		expect(called).toBe(false);
	});

	it("calls the token endpoint once for many simultaneous callers", async () => {
		const store = await seeded();
		const other = new AccountStore({ home: store.home });
		let calls = 0;
		const outcomes = await Promise.all(
			Array.from({ length: 8 }, (_, i) =>
				refreshSingleFlight(i % 2 ? store : other, "acct-a", "access-acct-a-1", async () => {
					calls++;
					await new Promise((r) => setTimeout(r, 20));
					return fresh(calls);
				}),
			),
		);
		expect(calls).toBe(1);
		expect(outcomes.filter((o) => !o.adopted)).toHaveLength(1);
		for (const outcome of outcomes) expect(outcome.credentials).toEqual(fresh(1));
	});

	it("propagates a refresh failure and writes nothing", async () => {
		const store = await seeded();
		const before = await readFile(store.file, "utf8");
		const failure = Object.assign(new Error("invalid_grant"), { code: "E_NEEDS_LOGIN" });
		await expect(
			refreshSingleFlight(store, "acct-a", "access-acct-a-1", async () => {
				throw failure;
			}),
		).rejects.toBe(failure);
		expect(await readFile(store.file, "utf8")).toBe(before);
		// The lock was released: the next caller gets through.
		await expect(
			refreshSingleFlight(store, "acct-a", "access-acct-a-1", async () => fresh(3)),
		).resolves.toMatchObject({
			adopted: false,
		});
	});

	it("refuses an account that is not in the store, without refreshing", async () => {
		const store = await seeded();
		let called = false;
		await expect(
			refreshSingleFlight(store, "acct-gone", "x", async () => {
				called = true;
				return fresh(4);
			}),
		).rejects.toMatchObject({
			name: "StoreAccountMissingError",
			code: "E_STORE_ACCOUNT_MISSING",
			accountId: "acct-gone",
		});
		expect(called).toBe(false);
	});

	it("a lease lost before the call (taken over meanwhile) stops it: no refresh, nothing written", async () => {
		const { store, lease } = await leaseWatched();
		// While the stored record is read, a holder on another host takes the lease over (as it would
		// once this process stalled past the expiry), and the renewal sees it.
		const read = store.read.bind(store);
		store.read = async () => {
			const data = await read();
			const signal = lease();
			if (signal && !signal.aborted) {
				takeOver(store);
				await once(signal, "abort");
			}
			return data;
		};
		let called = false;
		await expect(
			refreshSingleFlight(store, "acct-a", "access-acct-a-1", async () => {
				called = true;
				return fresh(6);
			}),
		).rejects.toMatchObject({ name: "StoreLockCompromisedError", code: "E_STORE_LOCK_COMPROMISED" });
		expect(called).toBe(false);
		expect((await read()).accounts[0]?.credentials.refresh).toBe("refresh-acct-a-1");
	});

	it("a lease lost during the call: the rotated tokens are still saved (the only live ones)", async () => {
		const { store, lease } = await leaseWatched();
		await expect(
			refreshSingleFlight(store, "acct-a", "access-acct-a-1", async () => {
				takeOver(store);
				await once(lease()!, "abort");
				return fresh(7);
			}),
		).rejects.toMatchObject({ name: "StoreLockCompromisedError" });
		expect((await store.read()).accounts[0]?.credentials).toEqual(fresh(7));
	});

	it("a new login stored meanwhile wins over the rotated tokens; a removed account is an error", async () => {
		const store = await seeded();
		const login = { access: "login-access", refresh: "login-refresh", expiresAt: 3e12 };
		const outcome = await refreshSingleFlight(store, "acct-b", "access-acct-b-1", async () => {
			await store.update((d) => {
				d.accounts[1]!.credentials = login;
			});
			return fresh(8);
		});
		expect(outcome).toEqual({ credentials: login, adopted: true });
		await expect(
			refreshSingleFlight(store, "acct-b", "login-access", async () => {
				await store.update((d) => {
					d.accounts.splice(1, 1);
				});
				return fresh(9);
			}),
		).rejects.toMatchObject({ name: "StoreAccountMissingError", accountId: "acct-b" });
	});

	it("a refused write still returns the rotated tokens, with the reason and the side file", async () => {
		const store = await seeded();
		store.saveRotation = async () => ({
			saved: false,
			reason: "E_STORE_WRITE SQLITE_FULL",
			sideFile: "/tmp/side.json",
		});
		await expect(
			refreshSingleFlight(store, "acct-b", "access-acct-b-1", async () => fresh(10)),
		).resolves.toStrictEqual({
			credentials: fresh(10),
			adopted: false,
			notSaved: "E_STORE_WRITE SQLITE_FULL",
			sideFile: "/tmp/side.json",
		});
		store.saveRotation = async () => ({ saved: false, reason: "E_STORE_WRITE SQLITE_IOERR" });
		await expect(
			refreshSingleFlight(store, "acct-b", "access-acct-b-1", async () => fresh(11)),
		).resolves.toStrictEqual({
			credentials: fresh(11),
			adopted: false,
			notSaved: "E_STORE_WRITE SQLITE_IOERR",
		});
	});
});
