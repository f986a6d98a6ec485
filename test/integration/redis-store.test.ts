import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreData } from "../../src/store/account-record.ts";
import { RedisPoolStore } from "../../src/store/redis/redis-store.ts";
import { type RedisStoreConfig, resolveStoreConfig } from "../../src/store/store-config.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";
import { findRedisServer, REDIS_SKIP_REASON, RedisServer } from "../helpers/redis-server.ts";

const KEY = "ab".repeat(32);

describe("store config", () => {
	it("picks the file store by default, Redis from the environment or store.json, the environment first", async () => {
		const home = await tempHome();
		expect(resolveStoreConfig(home, {})).toEqual({ kind: "file", home });
		expect(resolveStoreConfig(home, { PI_DISPATCH_REDIS_URL: "rediss://u:p@h:6380/2" })).toEqual({
			kind: "redis",
			home,
			url: "rediss://u:p@h:6380/2",
			prefix: "pi-dispatch:",
		});
		const { mkdir } = await import("node:fs/promises");
		await mkdir(home, { recursive: true });
		await writeFile(join(home, "store.json"), JSON.stringify({ redis: { url: "redis://file:1", prefix: "team:" } }));
		expect(resolveStoreConfig(home, {})).toMatchObject({ kind: "redis", url: "redis://file:1", prefix: "team:" });
		expect(
			resolveStoreConfig(home, { PI_DISPATCH_REDIS_URL: "redis://env:2", PI_DISPATCH_REDIS_PREFIX: "p:" }),
		).toMatchObject({ url: "redis://env:2", prefix: "p:" });
	});

	it("refuses a URL that is not redis:// with one line that hides the password", async () => {
		const home = await tempHome();
		expect(() => resolveStoreConfig(home, { PI_DISPATCH_REDIS_URL: "http://u:secret@h" })).toThrow(
			expect.objectContaining({ code: "E_STORE_CONFIG" }),
		);
		try {
			resolveStoreConfig(home, { PI_DISPATCH_REDIS_URL: "http://u:secret@h" });
		} catch (error) {
			expect((error as Error).message).not.toContain("secret");
			expect((error as Error).message).not.toContain("\n");
		}
	});

	it("refuses a pool key that is not 32 bytes", async () => {
		const home = await tempHome();
		expect(
			() => new RedisPoolStore({ kind: "redis", home, url: "redis://127.0.0.1:1", prefix: "x:", poolKey: "short" }),
		).toThrow(expect.objectContaining({ code: "E_STORE_CONFIG" }));
	});
});

const redisBin = findRedisServer();
describe.skipIf(!redisBin)(`Redis store${redisBin ? "" : ` (skipped: ${REDIS_SKIP_REASON})`}`, () => {
	let server: RedisServer;
	let raw: Redis;
	const stores: RedisPoolStore[] = [];
	beforeAll(async () => {
		server = await RedisServer.start();
		raw = new Redis(server.url);
		raw.on("error", () => undefined);
	});
	afterAll(async () => {
		for (const store of stores) store.close();
		raw?.disconnect();
		await server?.dispose();
	});

	async function config(overrides: Partial<RedisStoreConfig> = {}): Promise<RedisStoreConfig> {
		return { kind: "redis", home: await tempHome(), url: server.url, prefix: `t-${randomUUID()}:`, ...overrides };
	}
	function open(c: RedisStoreConfig): RedisPoolStore {
		const store = new RedisPoolStore(c);
		stores.push(store);
		return store;
	}

	it("keeps its keys under the prefix, and two prefixes are two pools", async () => {
		const a = open(await config());
		const b = open(await config());
		await a.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		expect((await b.read()).accounts).toEqual([]);
		const keys = await raw.keys(`${a.config.prefix}*`);
		expect(keys.sort()).toEqual([
			`${a.config.prefix}accounts`,
			`${a.config.prefix}order`,
			`${a.config.prefix}version`,
		]);
		expect(await raw.get(`${a.config.prefix}version`)).toBe("1");
	});

	it("writes nothing (and keeps the version) when an update changes nothing", async () => {
		const store = open(await config());
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		await store.update(() => undefined);
		expect(await raw.get(`${store.config.prefix}version`)).toBe("1");
	});

	it("keeps top-level fields it does not know (what a newer pi-dispatch adds) as they are", async () => {
		const store = open(await config());
		await store.update((d) => {
			(d as StoreData & { history: unknown }).history = { days: [1, 2] };
		});
		expect(await open(store.config).read()).toEqual({ accounts: [], state: {}, history: { days: [1, 2] } });
		expect(JSON.parse((await raw.hget(`${store.config.prefix}data`, "history"))!)).toEqual({ days: [1, 2] });
	});

	it("with a pool key, Redis holds no readable token; without the key, or with another, one clear line", async () => {
		const c = await config({ poolKey: KEY });
		const store = open(c);
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		const stored = (await raw.hget(`${c.prefix}accounts`, "acct-a"))!;
		expect(stored).not.toContain("access-acct-a-1");
		expect(stored).not.toContain("refresh-acct-a-1");
		expect((await store.read()).accounts[0]!.credentials.refresh).toBe("refresh-acct-a-1");
		const { poolKey: _, ...noKey } = c;
		for (const other of [noKey, { ...c, poolKey: "cd".repeat(32) }]) {
			const error = await open(other)
				.read()
				.catch((e: unknown) => e as Error);
			expect(error).toMatchObject({ code: "E_STORE_KEY" });
			expect((error as Error).message).not.toContain("\n");
			expect((error as Error).message).not.toContain(KEY);
		}
		// A ciphertext copied onto another account does not open (the id is authenticated).
		await raw.hset(`${c.prefix}accounts`, "acct-b", stored.replace('"id":"acct-a"', '"id":"acct-b"'));
		await expect(store.read()).rejects.toMatchObject({ code: "E_STORE_KEY" });
	});

	it("seals plain credentials at the first write once a key is set", async () => {
		const c = await config();
		await open(c).update((d) => {
			d.accounts.push(account("acct-a"));
		});
		expect(await raw.hget(`${c.prefix}accounts`, "acct-a")).toContain("refresh-acct-a-1");
		const keyed = open({ ...c, poolKey: KEY });
		expect((await keyed.read()).accounts[0]!.credentials.refresh).toBe("refresh-acct-a-1");
		await keyed.update((d) => {
			d.state["acct-a"] = { cooldownUntil: 1 };
		});
		expect(await raw.hget(`${c.prefix}accounts`, "acct-a")).not.toContain("refresh-acct-a-1");
	});

	it("a lock that expired under a stalled holder: its release leaves the new holder's lock alone (fencing)", async () => {
		const c = await config({ leaseTtlMs: 300 });
		const first = open(c);
		const second = open(c);
		let stalled!: () => void;
		let stalledSignal: AbortSignal | undefined;
		const firstDone = first.withAccountLock("acct-a", async (signal) => {
			stalledSignal = signal;
			// The renewal cannot keep a lock whose key vanished (a failover, a flush): simulated by deleting it.
			await raw.del(`${c.prefix}lease:refresh:acct-a`);
			await new Promise<void>((resolve) => {
				stalled = resolve;
			});
			// By now the renewal found the key gone (the second holds it): the signal says so.
			expect(signal.aborted).toBe(true);
			return "done";
		});
		await new Promise((resolve) => setTimeout(resolve, 50));
		let secondHolds!: () => void;
		const secondIn = new Promise<void>((resolve) => {
			secondHolds = resolve;
		});
		let finishSecond!: () => void;
		const secondDone = second.withAccountLock("acct-a", async () => {
			secondHolds();
			await new Promise<void>((resolve) => {
				finishSecond = resolve;
			});
		});
		await secondIn;
		// The second holds it now: the first's next renewal (every ttl/3) finds another token.
		await expect.poll(() => stalledSignal?.aborted, { timeout: 5000 }).toBe(true);
		stalled();
		// The first learns it lost the lock; its release must not free the second's.
		await expect(firstDone).rejects.toMatchObject({ code: "E_STORE_LOCK_COMPROMISED" });
		expect((await first.leases()).map((l) => l.name)).toEqual(["refresh:acct-a"]);
		finishSecond();
		await secondDone;
		expect(await first.leases()).toEqual([]);
	});

	it("Redis down: calls fail with one line, status says unreachable; back up: reachable, watchers re-read, data intact", {
		timeout: 30_000,
	}, async () => {
		const c = await config({ connectTimeoutMs: 500 });
		const store = open(c);
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		let told = 0;
		const unwatch = store.watch(() => {
			told++;
		});
		await new Promise((resolve) => setTimeout(resolve, 100));
		await server.stop();
		const error = await store.read().catch((e: unknown) => e as Error);
		expect(error).toMatchObject({ code: "E_STORE_UNREACHABLE", name: "StoreUnreachableError" });
		expect((error as Error).message).not.toContain("\n");
		expect(store.health().reachable).toBe(false);
		await expect(store.withAccountLock("acct-a", async () => "refreshed")).rejects.toMatchObject({
			code: "E_STORE_UNREACHABLE",
		});
		// Nothing was written anywhere else: the state folder holds no pool of its own.
		const { readdir } = await import("node:fs/promises");
		expect(await readdir(c.home).catch(() => [])).toEqual([]);

		const toldBefore = told;
		await server.restart();
		await expect.poll(() => store.health().reachable, { timeout: 10_000 }).toBe(true);
		await expect.poll(() => told, { timeout: 10_000 }).toBeGreaterThan(toldBefore);
		expect((await store.read()).accounts.map((a) => a.id)).toEqual(["acct-a"]);
		unwatch();
	});

	it("authenticates with the password in the URL; a wrong one is one line naming the refusal, not the password", {
		timeout: 30_000,
	}, async () => {
		const guarded = await RedisServer.start({ password: "s3cret-pw" });
		try {
			const home = await tempHome();
			const good = open({
				kind: "redis",
				home,
				url: `redis://:s3cret-pw@127.0.0.1:${guarded.port}`,
				prefix: "auth:",
			});
			await good.update((d) => {
				d.accounts.push(account("acct-a"));
			});
			expect(good.file).not.toContain("s3cret-pw");
			const bad = open({
				kind: "redis",
				home,
				url: `redis://:wrong-pw@127.0.0.1:${guarded.port}`,
				prefix: "auth:",
				connectTimeoutMs: 500,
			});
			const error = await bad.read().catch((e: unknown) => e as Error);
			expect(error).toMatchObject({ code: "E_STORE_UNREACHABLE" });
			expect((error as Error).message).toMatch(/WRONGPASS|NOAUTH|ERR/);
			expect((error as Error).message).not.toMatch(/wrong-pw|s3cret-pw|\n/);
		} finally {
			await guarded.dispose();
		}
	});
});
