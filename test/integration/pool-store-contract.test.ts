import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import type { PoolStore } from "../../src/store/pool-store.ts";
import { RedisPoolStore } from "../../src/store/redis/redis-store.ts";
import type { RedisStoreConfig } from "../../src/store/store-config.ts";
import { definePoolStoreContract } from "../contract/pool-store.contract.ts";
import { tempHome } from "../fixtures/store/sample-data.ts";
import { findRedisServer, REDIS_SKIP_REASON, RedisServer } from "../helpers/redis-server.ts";

const opened: PoolStore[] = [];
function track<S extends PoolStore>(store: S): S {
	opened.push(store);
	return store;
}
afterAll(() => {
	for (const store of opened) store.close();
});

definePoolStoreContract("file (SQLite)", async () => {
	const home = await tempHome();
	return { store: track(new AccountStore({ home })), open: () => track(new AccountStore({ home })) };
});

const redisBin = findRedisServer();
if (!redisBin) {
	describe("PoolStore contract: redis", () => {
		it.skip(REDIS_SKIP_REASON, () => undefined);
	});
} else {
	let server: RedisServer;
	beforeAll(async () => {
		server = await RedisServer.start();
	});
	afterAll(async () => {
		for (const store of opened.splice(0)) store.close();
		await server?.dispose();
	});
	definePoolStoreContract("redis", async () => {
		const home = await tempHome();
		// Each test its own pool on the one server: the prefix is what keeps pools apart.
		const config: RedisStoreConfig = { kind: "redis", home, url: server.url, prefix: `t-${randomUUID()}:` };
		return { store: track(new RedisPoolStore(config)), open: () => track(new RedisPoolStore(config)) };
	});
	definePoolStoreContract("redis, credentials encrypted", async () => {
		const home = await tempHome();
		const config: RedisStoreConfig = {
			kind: "redis",
			home,
			url: server.url,
			prefix: `t-${randomUUID()}:`,
			poolKey: "11".repeat(32),
		};
		return { store: track(new RedisPoolStore(config)), open: () => track(new RedisPoolStore(config)) };
	});
}
