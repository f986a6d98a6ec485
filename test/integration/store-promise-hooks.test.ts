/**
 * Using the pool's store must not turn on a process-wide promise hook: pi-dispatch runs inside pi,
 * and on Node 22 one AsyncLocalStorage that has run makes every promise of the process pay a hook
 * (pi-ai's Codex request cost about 10 % more main-thread CPU). Checked in fresh processes, as a
 * pi process uses the store, for the file store and for Redis.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnChild } from "../fixtures/store/spawn-child.ts";
import { findRedisServer, REDIS_SKIP_REASON, RedisServer } from "../helpers/redis-server.ts";

async function hooksAfterStoreUse(redisUrl?: string): Promise<{ before: unknown; after: unknown }> {
	const home = await mkdtemp(join(tmpdir(), "pi-dispatch-hooks-"));
	const child = spawnChild("promise-hook-child.ts", redisUrl ? [home, redisUrl] : [home]);
	const [message] = await Promise.all([child.next("done", 20_000), child.exited]);
	return { before: message.before, after: message.after };
}

describe("the store and the process's promises", () => {
	it("file store: no promise hook is on after an update, an account lock and a read", async () => {
		expect(await hooksAfterStoreUse()).toEqual({ before: false, after: false });
	});

	const redisBin = findRedisServer();
	if (!redisBin) {
		it.skip(REDIS_SKIP_REASON, () => undefined);
		return;
	}
	let server: RedisServer;
	beforeAll(async () => {
		server = await RedisServer.start();
	});
	afterAll(async () => {
		await server?.dispose();
	});
	it("Redis store: no promise hook is on after an update, an account lock and a read", async () => {
		expect(await hooksAfterStoreUse(server.url)).toEqual({ before: false, after: false });
	});
});
