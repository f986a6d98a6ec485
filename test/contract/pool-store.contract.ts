/**
 * The behaviour every pool store must show, whatever holds the pool (the SQLite file, Redis):
 * one suite, run against each implementation by `test/integration/pool-store-contract.test.ts`.
 */
import { describe, expect, it } from "vitest";
import type { StoreData } from "../../src/store/account-record.ts";
import { openPoolStore } from "../../src/store/open-pool-store.ts";
import type { PoolStore } from "../../src/store/pool-store.ts";
import { refreshSingleFlight } from "../../src/store/single-flight-refresh.ts";
import { account, sampleData } from "../fixtures/store/sample-data.ts";

/** Makes a fresh, empty pool for one test; `open` gives another store on that same pool (another process, as far as the store knows). */
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Usage history times: recent, so a Redis key's one-week expiry does not drop them. */
const HISTORY_T0 = Date.now();

export type PoolFactory = () => Promise<{ store: PoolStore; open: () => PoolStore }>;

export function definePoolStoreContract(name: string, fresh: PoolFactory): void {
	describe(`PoolStore contract: ${name}`, () => {
		it("reads an empty pool as no accounts and no state", async () => {
			const { store } = await fresh();
			expect(await store.read()).toEqual({ accounts: [], state: {} });
			expect(store.health().reachable).toBe(true);
		});

		it("round-trips accounts, state and settings, in order, for every store on the pool", async () => {
			const { store, open } = await fresh();
			const data: StoreData = { ...sampleData(["acct-z", "acct-a", "acct-m"]), settings: { credits: "never" } };
			await store.update((d) => {
				d.accounts.push(...data.accounts);
				Object.assign(d.state, data.state);
				d.settings = data.settings!;
			});
			expect(await store.read()).toEqual(data);
			expect(await open().read()).toEqual(data);
			// The config is what a worker thread gets: it opens the same pool.
			expect(await openPoolStore(structuredClone(store.config)).read()).toEqual(data);
		});

		it("removes accounts, state entries and settings", async () => {
			const { store } = await fresh();
			await store.update((d) => {
				Object.assign(d, sampleData(["acct-a", "acct-b"]), { settings: { credits: "never" } });
			});
			await store.update((d) => {
				d.accounts = d.accounts.filter((a) => a.id !== "acct-a");
				delete d.state["acct-a"];
				delete d.settings;
			});
			expect(await store.read()).toEqual({ accounts: [account("acct-b")], state: {} });
		});

		it("passes mutate's value through, sync or async, and writes nothing when it throws", async () => {
			const { store } = await fresh();
			await expect(store.update(() => 1)).resolves.toBe(1);
			await expect(store.update(async () => 2)).resolves.toBe(2);
			await expect(
				store.update((d) => {
					d.accounts.push(account("acct-a"));
					throw new Error("no");
				}),
			).rejects.toThrow("no");
			expect((await store.read()).accounts).toEqual([]);
		});

		it("refuses an update that leaves invalid data, with a coded error", async () => {
			const { store } = await fresh();
			await expect(
				store.update((d) => {
					d.accounts.push(account("acct-a"), account("acct-a"));
				}),
			).rejects.toMatchObject({ code: "E_STORE_INVALID_UPDATE" });
			expect((await store.read()).accounts).toEqual([]);
		});

		it("refuses nested updates instead of deadlocking", async () => {
			const { store } = await fresh();
			await expect(store.update(() => store.update(() => undefined))).rejects.toMatchObject({
				code: "E_STORE_LOCK_REENTRY",
			});
		});

		it("loses no update when two stores write the same field at once (2 × 40 increments → 80)", async () => {
			const { store, open } = await fresh();
			await store.update((d) => {
				d.accounts.push(account("acct-a"));
			});
			const other = open();
			const bump = (s: PoolStore) =>
				s.update((d) => {
					const used = d.state["acct-a"]?.usage?.primary?.usedPercent ?? 0;
					d.state["acct-a"] = {
						usage: { observedAt: 1, source: "headers", primary: { usedPercent: used + 1, windowMinutes: 300 } },
					};
				});
			await Promise.all(Array.from({ length: 40 }, () => [bump(store), bump(other)]).flat());
			expect((await store.read()).state["acct-a"]?.usage?.primary?.usedPercent).toBe(80);
			other.close();
		});

		it("saves a rotation only over the refresh token it replaces", async () => {
			const { store } = await fresh();
			await store.update((d) => {
				d.accounts.push(account("acct-a", { needsLogin: { since: 1, reason: "x" } }));
			});
			const fresh1 = { access: "access-2", refresh: "refresh-2", expiresAt: 2 };
			await expect(store.saveRotation("acct-a", "refresh-acct-a-1", fresh1)).resolves.toEqual({ saved: true });
			const stored = (await store.read()).accounts[0]!;
			expect(stored.credentials).toEqual(fresh1);
			expect(stored.needsLogin).toBeUndefined();
			// The same save again (a retry after a lost answer) is already there.
			await expect(store.saveRotation("acct-a", "refresh-acct-a-1", fresh1)).resolves.toEqual({ saved: true });
			// A save over a token spent meanwhile is refused, and says what is current.
			const stale = { access: "access-x", refresh: "refresh-x", expiresAt: 3 };
			await expect(store.saveRotation("acct-a", "refresh-acct-a-1", stale)).resolves.toEqual({
				saved: false,
				conflict: true,
				current: fresh1,
			});
			await expect(store.saveRotation("acct-gone", "r", stale)).resolves.toEqual({ saved: false, conflict: true });
		});

		it("lets one holder at a time have an account's lock, across stores", async () => {
			const { store, open } = await fresh();
			await store.update((d) => {
				d.accounts.push(account("acct-a"));
			});
			const other = open();
			const order: string[] = [];
			let releaseFirst!: () => void;
			const firstHolding = new Promise<void>((resolve) => {
				void store.withAccountLock("acct-a", async () => {
					order.push("first in");
					resolve();
					await new Promise<void>((r) => {
						releaseFirst = r;
					});
					order.push("first out");
				});
			});
			await firstHolding;
			expect((await store.leases()).map((l) => l.name)).toEqual(["refresh:acct-a"]);
			const second = other.withAccountLock("acct-a", async () => {
				order.push("second in");
			});
			// Another account's lock is independent.
			await store.withAccountLock("acct-b", async () => {
				order.push("b");
			});
			releaseFirst();
			await second;
			expect(order).toEqual(["first in", "b", "first out", "second in"]);
			expect(await store.leases()).toEqual([]);
			other.close();
		});

		it("refuses taking the same account's lock inside itself", async () => {
			const { store } = await fresh();
			await expect(
				store.withAccountLock("acct-a", () => store.withAccountLock("acct-a", async () => 1)),
			).rejects.toMatchObject({ code: "E_STORE_LOCK_REENTRY" });
			expect(await store.leases()).toEqual([]);
		});

		it("refreshes once for many callers on several stores, and they all get the new tokens", async () => {
			const { store, open } = await fresh();
			await store.update((d) => {
				d.accounts.push(account("acct-a"));
			});
			const stores = [store, open(), open()];
			let calls = 0;
			const outcomes = await Promise.all(
				Array.from({ length: 9 }, (_, i) =>
					refreshSingleFlight(stores[i % 3]!, "acct-a", "access-acct-a-1", async (current) => {
						calls++;
						await new Promise((resolve) => setTimeout(resolve, 30));
						return { access: "access-2", refresh: `${current.credentials.refresh}-next`, expiresAt: 5 };
					}),
				),
			);
			expect(calls).toBe(1);
			expect(outcomes.filter((o) => !o.adopted)).toHaveLength(1);
			for (const o of outcomes) expect(o.credentials.refresh).toBe("refresh-acct-a-1-next");
			expect((await store.read()).accounts[0]!.credentials.refresh).toBe("refresh-acct-a-1-next");
			for (const s of stores.slice(1)) s.close();
		});

		it("keeps at most one usage sample a minute per account, whichever store writes it", async () => {
			const { store, open } = await fresh();
			const other = open();
			expect(await store.readUsageHistory("a", 0)).toEqual([]);
			const writes = await Promise.all(
				Array.from({ length: 10 }, (_, i) =>
					(i % 2 ? store : other).appendUsageSample("a", { at: HISTORY_T0 + i * 1000, weekly: i }),
				),
			);
			expect(writes.filter(Boolean)).toHaveLength(1);
			expect(await store.appendUsageSample("b", { at: HISTORY_T0 + 5000, weekly: 3 })).toBe(true);
			const later = { at: HISTORY_T0 + 10_000 + MINUTE, weekly: 12, weeklyResetsAt: HISTORY_T0 + DAY };
			expect(await other.appendUsageSample("a", later)).toBe(true);
			expect(await store.readUsageHistory("a", HISTORY_T0 + 30_000)).toEqual([later]);
			expect(await other.readUsageHistory("a", 0)).toHaveLength(2);
		});

		it("bounds the usage history: a week kept, one sample per 15 minutes beyond the last day", async () => {
			const { store } = await fresh();
			for (let t = HISTORY_T0 - 8 * DAY; t <= HISTORY_T0; t += 5 * MINUTE)
				await store.appendUsageSample("a", { at: t, weekly: 1 });
			const kept = await store.readUsageHistory("a", 0);
			expect(kept[0]!.at).toBeGreaterThanOrEqual(HISTORY_T0 - 7 * DAY);
			expect(kept.filter((s) => s.at >= HISTORY_T0 - DAY)).toHaveLength(24 * 12 + 1);
			const older = kept.filter((s) => s.at < HISTORY_T0 - DAY);
			expect(older.length).toBeGreaterThan(0);
			expect(older.length).toBeLessThanOrEqual(6 * 24 * 4 + 1);
			for (const [i, s] of older.slice(1).entries()) expect(s.at - older[i]!.at).toBeGreaterThanOrEqual(15 * MINUTE);
		});

		it("forgets a removed account's usage history in the write that removes its record, and only then", async () => {
			const { store, open } = await fresh();
			await store.update((d) => {
				Object.assign(d, sampleData(["acct-a", "acct-b"]));
			});
			const sample = { at: HISTORY_T0, weekly: 7 };
			expect(await store.appendUsageSample("acct-a", sample)).toBe(true);
			expect(await store.appendUsageSample("acct-b", sample)).toBe(true);
			// A removal that throws writes nothing: the history stays with the record.
			await expect(
				store.update((d) => {
					d.accounts = d.accounts.filter((a) => a.id !== "acct-a");
					throw new Error("changed my mind");
				}),
			).rejects.toThrow("changed my mind");
			expect(await store.readUsageHistory("acct-a", 0)).toEqual([sample]);
			// Another store (process) removes it, as /dispatch-remove does.
			await open().update((d) => {
				d.accounts = d.accounts.filter((a) => a.id !== "acct-a");
				delete d.state["acct-a"];
			});
			expect(await store.readUsageHistory("acct-a", 0)).toEqual([]);
			expect(await store.readUsageHistory("acct-b", 0)).toEqual([sample]);
			// Added back later, it starts afresh: the old sample no longer holds its minute.
			await store.update((d) => {
				d.accounts.push(account("acct-a"));
			});
			expect(await store.readUsageHistory("acct-a", 0)).toEqual([]);
			expect(await store.appendUsageSample("acct-a", { at: HISTORY_T0 + 1000, weekly: 1 })).toBe(true);
		});

		it("tells a watcher about another store's write", async () => {
			const { store, open } = await fresh();
			await store.update((d) => {
				d.accounts.push(account("acct-a"));
			});
			const other = open();
			let told = 0;
			let wake!: () => void;
			const changed = new Promise<void>((resolve) => {
				wake = resolve;
			});
			const unwatch = store.watch(() => {
				told++;
				wake();
			});
			// Subscribed before the write (the file store's first look sets its baseline).
			await new Promise((resolve) => setTimeout(resolve, 100));
			await other.update((d) => {
				d.state["acct-a"] = { cooldownUntil: 9_999_999_999_999, cooldownReason: "usage_limit_reached" };
			});
			await changed;
			expect(told).toBeGreaterThan(0);
			expect((await store.read()).state["acct-a"]?.cooldownUntil).toBe(9_999_999_999_999);
			unwatch();
			other.close();
		});
	});
}
