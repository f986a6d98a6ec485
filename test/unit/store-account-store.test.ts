import { chmod, mkdir, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { account, sampleData, tempHome } from "../fixtures/store/sample-data.ts";

describe("AccountStore read/update", () => {
	it("reads a missing file as empty data without creating anything", async () => {
		const home = await tempHome();
		const store = new AccountStore({ home });
		expect(store.file).toBe(join(home, "accounts.json"));
		expect(await store.read()).toEqual({ accounts: [], state: {} });
		await expect(stat(home)).rejects.toMatchObject({ code: "ENOENT" });
	});

	it("round-trips data through the file in the schema-1 layout", async () => {
		const store = new AccountStore({ home: await tempHome() });
		const data = sampleData();
		await store.update((d) => {
			d.accounts.push(...data.accounts);
			Object.assign(d.state, data.state);
		});
		expect(await store.read()).toEqual(data);
		expect(await new AccountStore({ home: store.home }).read()).toEqual(data);
		const onDisk = JSON.parse(await readFile(store.file, "utf8"));
		expect(onDisk).toEqual({ schema: 1, ...data });
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

	it("tightens a file someone made group/world readable on the next update", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		await chmod(store.file, 0o644);
		await store.update(() => {});
		expect((await stat(store.file)).mode & 0o777).toBe(0o600);
	});

	it("writes nothing when mutate throws", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		const before = await readFile(store.file);
		const beforeStat = await stat(store.file);
		const boom = new Error("boom");
		await expect(
			store.update((d) => {
				d.accounts.push(account("acct-b"));
				d.accounts[0]!.label = "changed";
				throw boom;
			}),
		).rejects.toBe(boom);
		expect(await readFile(store.file)).toEqual(before);
		expect((await stat(store.file)).ino).toBe(beforeStat.ino);
		expect((await readdir(store.home)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
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
		await expect(stat(store.file)).rejects.toMatchObject({ code: "ENOENT" });
	});

	it("does not rewrite the file when mutate changes nothing", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		const before = await stat(store.file, { bigint: true });
		await store.update(() => {});
		const after = await stat(store.file, { bigint: true });
		expect(after.ino).toBe(before.ino);
		expect(after.mtimeNs).toBe(before.mtimeNs);
	});

	it("refuses a mutation that leaves an unreadable shape, and writes nothing", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		const before = await readFile(store.file);
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
		expect(await readFile(store.file)).toEqual(before);
	});

	it("keeps unknown fields of a record (a newer minor version's additions)", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await mkdir(store.home, { recursive: true });
		const record = { ...account("acct-a"), futureField: { x: 1 } };
		await writeFile(store.file, JSON.stringify({ schema: 1, accounts: [record], state: {} }));
		await store.update((d) => {
			d.accounts[0]!.label = "renamed";
		});
		const onDisk = JSON.parse(await readFile(store.file, "utf8"));
		expect(onDisk.accounts[0]).toMatchObject({ label: "renamed", futureField: { x: 1 } });
	});

	it("reads a file that starts with a byte-order mark", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await mkdir(store.home, { recursive: true });
		await writeFile(store.file, `\uFEFF${JSON.stringify({ schema: 1, ...sampleData() })}`);
		expect(await store.read()).toEqual(sampleData());
	});

	it("removes temp files a killed writer left behind, and reads never see them", async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		const leftover = join(store.home, `.accounts.json.99999.abcdef.tmp`);
		await writeFile(leftover, '{"schema":1,"accounts":[{"trunc');
		await utimes(leftover, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
		expect((await store.read()).accounts.map((a) => a.id)).toEqual(["acct-a"]);
		await store.update(() => {});
		await expect(stat(leftover)).rejects.toMatchObject({ code: "ENOENT" });
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
