/** Opens the pool's store from a serialisable config: the SQLite file (default) or Redis. */
import { AccountStore } from "./account-store.ts";
import type { PoolStore } from "./pool-store.ts";
import { RedisPoolStore } from "./redis/redis-store.ts";
import { resolveStoreConfig, type StoreConfig } from "./store-config.ts";

export function openPoolStore(config: StoreConfig): PoolStore {
	return config.kind === "redis" ? new RedisPoolStore(config) : new AccountStore({ home: config.home });
}

/** The store for a state folder as the environment and `<home>/store.json` choose it. */
export function openPoolStoreFor(home: string, env: NodeJS.ProcessEnv = process.env): PoolStore {
	return openPoolStore(resolveStoreConfig(home, env));
}

/** `releaseLeasesOfThread` on a short-lived store; never throws (best effort on a crash path). */
export async function releaseLeasesOfThread(config: StoreConfig, threadId: number): Promise<number> {
	let store: PoolStore | undefined;
	try {
		store = openPoolStore(config);
		return await store.releaseLeasesOfThread(threadId);
	} catch {
		return 0;
	} finally {
		store?.close();
	}
}
