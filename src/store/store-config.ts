/**
 * Which store holds the pool: the SQLite file in the state folder (default, needs nothing), or a
 * shared Redis chosen by `PI_DISPATCH_REDIS_URL` (or `<home>/store.json`). The config is plain
 * data so the supervisor can hand it to an actor's worker thread.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { StoreConfigError } from "./store-errors.ts";

export interface FileStoreConfig {
	kind: "file";
	home: string;
}

export interface RedisStoreConfig {
	kind: "redis";
	home: string;
	/** `redis://` or `rediss://`, user and password included when the server wants them. */
	url: string;
	/** Every key starts with this, so one Redis can hold several pools. Default `pi-dispatch:`. */
	prefix: string;
	/** AES-256-GCM key for credentials at rest (32 bytes, hex or base64), from `PI_DISPATCH_POOL_KEY`. */
	poolKey?: string;
	/** How long an operation waits for a (re)connection before failing as unreachable. Default 3 s. */
	connectTimeoutMs?: number;
	/** The refresh lock's expiry (renewed while held). Default 30 s. */
	leaseTtlMs?: number;
	/** Give up waiting for an account's refresh lock after this long. Default 60 s. */
	accountLockTimeoutMs?: number;
}

export type StoreConfig = FileStoreConfig | RedisStoreConfig;

/** The settings file in the state folder: `{ "redis": { "url": "...", "prefix": "..." } }`. */
export const STORE_SETTINGS_NAME = "store.json";
export const DEFAULT_REDIS_PREFIX = "pi-dispatch:";

/** The environment wins over the settings file; neither → the file store. */
export function resolveStoreConfig(home: string, env: NodeJS.ProcessEnv = process.env): StoreConfig {
	const settings = readSettings(home);
	const url = env.PI_DISPATCH_REDIS_URL?.trim() || settings?.url;
	if (!url) return { kind: "file", home };
	if (!/^rediss?:\/\//.test(url)) {
		throw new StoreConfigError(`PI_DISPATCH_REDIS_URL must start with redis:// or rediss:// (got ${redactUrl(url)})`);
	}
	const prefix = env.PI_DISPATCH_REDIS_PREFIX?.trim() || settings?.prefix || DEFAULT_REDIS_PREFIX;
	const poolKey = env.PI_DISPATCH_POOL_KEY?.trim() || undefined;
	return { kind: "redis", home, url, prefix, ...(poolKey ? { poolKey } : {}) };
}

function readSettings(home: string): { url?: string; prefix?: string } | undefined {
	let text: string;
	try {
		text = readFileSync(join(home, STORE_SETTINGS_NAME), "utf8");
	} catch {
		return undefined;
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		throw new StoreConfigError(`${join(home, STORE_SETTINGS_NAME)} is not valid JSON`);
	}
	const redis = (parsed as { redis?: unknown })?.redis;
	if (redis === undefined) return undefined;
	const { url, prefix } = redis as { url?: unknown; prefix?: unknown };
	if (typeof url !== "string" || (prefix !== undefined && typeof prefix !== "string")) {
		throw new StoreConfigError(
			`${join(home, STORE_SETTINGS_NAME)}: redis.url must be a string (and redis.prefix too)`,
		);
	}
	return { url, ...(prefix ? { prefix } : {}) };
}

/** The URL without its password, for messages and status. */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = "***";
		return parsed.toString().replace(/\/$/, "");
	} catch {
		return "(unparseable URL)";
	}
}
