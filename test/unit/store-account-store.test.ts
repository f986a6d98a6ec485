import { chmod, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { DB_SCHEMA } from "../../src/store/pool-db.ts";
import { peekDb } from "../fixtures/store/db-peek.ts";
import { account, sampleData, tempHome } from "../fixtures/store/sample-data.ts";

describe("AccountStore read/update", () => {
	it("reads a missing file as empty data without creating anything", async () => {
		const home = await tempHome();
		const store = new AccountStore({ home });
		expect(store.file).toBe(join(home, "pool.db"));
		expect(await store.read()).toEqual({ accounts: [], state: {} });
		await expect(stat(home)).rejects.toMatchObject({ code: "ENOENT" });
	});

	it("round-trips data through the database, one row per account and per state", async () => {
		const store = new AccountStore({ home: await tempHome() });
		const data = sampleData();
		await store.update((d) => {
			d.accounts.push(...data.accounts);
			Object.assign(d.state, data.state);
		});
		expect(await store.read()).toEqual(data);
		expect(await new AccountStore({ home: store.home }).read()).toEqual(data);
		const onDisk = peekDb(store.file);
		expect(onDisk.accounts).toEqual(data.accounts);
		expect(onDisk.state).toEqual(data.state);
		expect(onDisk.meta.schema).toBe(String(DB_SCHEMA));
	});

	it("passes mutate's return value through", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await expect(store.update(async () => 42)).resolves.toBe(42);
	});

	it("creates the home 0700 and the file 0600", async () => {
		const store = new AccountStore({ home: await tempHome() });
		const previous = process.umask(0o022);
		try {
			await store.update((d) => {
				d.accounts.push(account("acct-a"));
			});
		} finally {
			process.umask(previous);
		}
		expect((await stat(store.home)).mode & 0o777).toBe(0o700);
		expect((await stat(store.file)).mode & 0o777).toBe(0o600);
	});

	it("tightens a 0755 folder and a 0644 database when it opens them", async () => {
		const first = new AccountStore({ home: await tempHome() });
		await first.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		first.close();
		await chmod(first.home, 0o755);
		await chmod(first.file, 0o644);
		const store = new AccountStore({ home: first.home });
		expect((await store.read()).accounts).toHaveLength(1);
		expect((await stat(store.home)).mode & 0o777).toBe(0o700);
		expect((await stat(store.file)).mode & 0o777).toBe(0o600);
	});

	it.each([
		["empty", ""],
		["relative", "pi-dispatch"],
	])('refuses an %s home with one line (HOME="" would put tokens in the current folder)', (_, home) => {
		expect(() => new AccountStore({ home })).toThrow(
			expect.objectContaining({ name: "StoreHomeError", code: "E_STORE_HOME" }),
		);
		try {
			new AccountStore({ home });
		} catch (error) {
			expect((error as Error).message).not.toContain("\n");
			expect((error as Error).message).toContain("absolute");
		}
	});

	it("writes nothing when mutate throws", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		const before = peekDb(store.file);
		const boom = new Error("boom");
		await expect(
			store.update((d) => {
				d.accounts.push(account("acct-b"));
				d.accounts[0]!.label = "changed";
				throw boom;
			}),
		).rejects.toBe(boom);
		expect(peekDb(store.file)).toEqual(before);
	});

	it("writes nothing when an async mutate rejects", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await expect(
			store.update(async (d) => {
				d.accounts.push(account("acct-a"));
				await new Promise((r) => setTimeout(r, 5));
				throw new Error("late");
			}),
		).rejects.toThrow("late");
		expect(await store.read()).toEqual({ accounts: [], state: {} });
	});

	it("commits nothing when mutate changes nothing (other processes see no change)", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		const other = new AccountStore({ home: store.home });
		let changes = 0;
		const stop = other.watch(() => changes++);
		await store.update(() => {});
		await store.update((d) => {
			d.accounts[0]!.label = d.accounts[0]!.label;
		});
		await new Promise((r) => setTimeout(r, 700));
		stop();
		expect(changes).toBe(0);
	});

	it("refuses a mutation that leaves an unreadable shape, and writes nothing", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		const before = peekDb(store.file);
		await expect(
			store.update((d) => {
				d.accounts.push(account("acct-a"));
			}),
		).rejects.toMatchObject({ name: "StoreInvalidUpdateError", code: "E_STORE_INVALID_UPDATE" });
		await expect(
			store.update((d) => {
				(d.accounts[0]!.credentials as { expiresAt: unknown }).expiresAt = "soon";
			}),
		).rejects.toMatchObject({ code: "E_STORE_INVALID_UPDATE" });
		expect(peekDb(store.file)).toEqual(before);
	});

	it("keeps unknown fields of a record (a newer minor version's additions)", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push({ ...account("acct-a"), futureField: { x: 1 } } as never);
		});
		await store.update((d) => {
			d.accounts[0]!.label = "renamed";
		});
		expect(peekDb(store.file).accounts[0]).toMatchObject({ label: "renamed", futureField: { x: 1 } });
	});

	it("imports an accounts.json that starts with a byte-order mark", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await mkdir(store.home, { recursive: true });
		await writeFile(join(store.home, "accounts.json"), `\uFEFF${JSON.stringify({ schema: 1, ...sampleData() })}`);
		expect(await store.read()).toEqual(sampleData());
		expect((await readdir(store.home)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
	});

	it("refuses update inside update instead of deadlocking", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await expect(store.update(() => store.update(() => 1))).rejects.toMatchObject({
			name: "StoreLockReentryError",
			code: "E_STORE_LOCK_REENTRY",
		});
		await expect(store.update(() => store.withAccountLock("acct-a", async () => 1))).rejects.toMatchObject({
			code: "E_STORE_LOCK_REENTRY",
		});
		// Not reentry: update inside an account lock is the intended order.
		await expect(store.withAccountLock("acct-a", () => store.update(() => 2))).resolves.toBe(2);
	});

	it("serialises concurrent updates in one process without losing any", async () => {
		const a = new AccountStore({ home: await tempHome() });
		const b = new AccountStore({ home: a.home });
		await Promise.all(
			Array.from({ length: 40 }, (_, i) =>
				(i % 2 ? a : b).update((d) => {
					d.state.counter ??= {};
					const entry = d.state.counter as { count?: number };
					entry.count = (entry.count ?? 0) + 1;
				}),
			),
		);
		expect(((await a.read()).state.counter as { count: number }).count).toBe(40);
	});
});
