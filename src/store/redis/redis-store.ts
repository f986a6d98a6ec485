import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { Redis, RedisOptions } from "ioredis";
import { DispatchError } from "../../errors.ts";
import type { AccountCredentials, AccountRecord, SharedAccountState, StoreData } from "../account-record.ts";
import { whileLeaseRenewed } from "../lease-hold.ts";
import type { LeaseHolder } from "../leases.ts";
import { readPending, removePending } from "../pending-save.ts";
import type { PoolStore, RotationOutcome, StoreHealth } from "../pool-store.ts";
import { type LeaseOwner, newOwner, ownerIsDead, thisProcess } from "../process-identity.ts";
import { ReentryGuard } from "../reentry-guard.ts";
import { adoptCredentials, saveRotationOrSideFile } from "../rotation-save.ts";
import type { RedisStoreConfig } from "../store-config.ts";
import { redactUrl } from "../store-config.ts";
import {
	StoreCorruptError,
	StoreInvalidUpdateError,
	StoreKeyError,
	StoreLockReentryError,
	StoreLockTimeoutError,
	StoreUnreachableError,
	StoreWriteError,
} from "../store-errors.ts";
import { isObject, storeDataProblem } from "../store-shape.ts";
import {
	HISTORY_FULL_RESOLUTION_MS,
	HISTORY_KEEP_MS,
	HISTORY_MIN_GAP_MS,
	HISTORY_THINNED_STEP_MS,
} from "../usage-history.ts";
import { parseSample, type UsageSample } from "../usage-sample.ts";
import { isSealed, parsePoolKey, seal, unseal } from "./credential-crypto.ts";
import { APPEND_SAMPLE, READ_POOL, RELEASE_LEASE, RENEW_LEASE, TAKE_LEASE, WRITE_POOL } from "./redis-scripts.ts";

/** A waiter re-checks a held lock this often even without a release event (expiries, missed events). */
const LEASE_RECHECK_MS = 250;
/** Optimistic writes retried this often under contention before giving up. */
const MAX_WRITE_ATTEMPTS = 200;
/** How long the very first connection may take while no error says Redis is down. */
const FIRST_CONNECT_MS = 20_000;
/** One TCP (+TLS) connection attempt; a refused one fails at once whatever this says. */
const SOCKET_CONNECT_MS = 10_000;
const HASHES = { accounts: 2, state: 4, data: 5 } as const;

interface Loaded {
	version: string;
	data: StoreData;
	/** Plain JSON of every field as stored (credentials opened), to write only what changed. */
	fields: Map<string, string>;
	/** Account ids whose stored credentials are not in the form the key asks for (plain with a key set). */
	reseal: Set<string>;
}

type ScriptClient = Redis & {
	piReadPool(...args: (string | number)[]): Promise<[string | null, string[], string | null, string[], string[]]>;
	piWritePool(...args: (string | number)[]): Promise<[number, string]>;
	piTakeLease(...args: (string | number)[]): Promise<[number, string, number?]>;
	piRenewLease(...args: (string | number)[]): Promise<number>;
	piReleaseLease(...args: (string | number)[]): Promise<number>;
	piAppendSample(...args: (string | number)[]): Promise<number>;
};

/** Nonces of the locks this thread holds or is taking (a holder of this thread not in here is left over). */
const heldHere = new Set<string>();

/**
 * The pool in a shared Redis, for several machines (see README "One pool across machines").
 *
 * - `update` is optimistic: read the pool and its version in one script, mutate a copy, write the
 *   changed fields in a second script that applies only if the version did not move (else re-run).
 * - `withAccountLock` is `lease:refresh:<id>`, taken with a fencing token (a counter) only when
 *   free, expiring after `leaseTtlMs` unless renewed, released only by its token (Lua).
 * - Other writers' commits arrive on the `events` channel; every (re)connection re-reads.
 * - Redis unreachable: each call waits up to `connectTimeoutMs` for the connection and then fails
 *   with StoreUnreachableError; nothing ever falls back to the local file (that would split the pool).
 */
export class RedisPoolStore implements PoolStore {
	readonly home: string;
	readonly file: string;
	readonly config: RedisStoreConfig;
	readonly #key: Buffer | undefined;
	readonly #writer = randomUUID();
	readonly #reentry = new ReentryGuard();
	#client: Promise<ScriptClient> | undefined;
	#sub: Promise<Redis> | undefined;
	#live: { client?: ScriptClient; sub?: Redis } = {};
	readonly #changeListeners = new Set<() => void>();
	/** Release events per lock name (and a bump of every name on a reconnection). */
	#leaseEvents = 0;
	readonly #leaseWaiters = new Set<() => void>();
	#health: StoreHealth = { reachable: true };
	#everReady = false;
	/** Commands waiting for an answer. */
	#pending = 0;
	/** Connection errors seen (a wait for the connection ends early once one comes). */
	#errors = 0;

	constructor(config: RedisStoreConfig) {
		this.config = config;
		this.home = config.home;
		this.file = `${redactUrl(config.url)} [${config.prefix}]`;
		this.#key = config.poolKey ? parsePoolKey(config.poolKey) : undefined;
	}

	health(): StoreHealth {
		return { ...this.#health };
	}

	async read(): Promise<StoreData> {
		return (await this.#load()).data;
	}

	update<T>(mutate: (data: StoreData) => T | Promise<T>): Promise<T> {
		if (this.#reentry.inUpdate) return Promise.reject(new StoreLockReentryError(this.file));
		return this.#update(mutate);
	}

	async #update<T>(mutate: (data: StoreData) => T | Promise<T>): Promise<T> {
		for (let attempt = 0; ; attempt++) {
			const loaded = await this.#load();
			const data = structuredClone(loaded.data);
			const result = await this.#reentry.mutate(() => mutate(data));
			const value: unknown = data;
			const problem = isObject(value) ? storeDataProblem(value) : "data must be an object";
			if (problem) throw new StoreInvalidUpdateError(this.file, problem);
			const args = this.#diff(loaded, data);
			if (!args) return result;
			const client = await this.#ready();
			// A removed account's usage history goes in the same script as its record.
			const kept = new Set(data.accounts.map((a) => a.id));
			const history = loaded.data.accounts.filter((a) => !kept.has(a.id)).map((a) => this.#k(`history:${a.id}`));
			const keys = [...this.#poolKeys(), ...history];
			const [ok] = await this.#call(() =>
				client.piWritePool(keys.length, ...keys, loaded.version, this.#k("events"), this.#writer, ...args),
			);
			if (ok === 1) return result;
			if (attempt >= MAX_WRITE_ATTEMPTS) throw new StoreLockTimeoutError(`${this.file} version`, 0, undefined);
			// Another writer got in first: a short random pause spreads the re-runs.
			await sleep(Math.random() * Math.min(20, 1 + attempt));
		}
	}

	async saveRotation(
		accountId: string,
		replaces: string,
		credentials: AccountCredentials,
		retries = 2,
	): Promise<RotationOutcome> {
		return saveRotationOrSideFile(
			{
				home: this.home,
				write: (apply) => this.update(apply),
				retryable: (error) => error instanceof StoreUnreachableError || error instanceof StoreWriteError,
				reason: (error) => (error instanceof DispatchError ? error.code : "unknown"),
				// The tokens are the only live ones: a side file in the state folder holds them until the
				// pool takes them (merged on the next connection); the pool itself never moves to a file.
				sideFileRefused: (reason) => `${reason}; side file refused too`,
			},
			accountId,
			replaces,
			credentials,
			retries,
		);
	}

	async withAccountLock<T>(accountId: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
		const name = `refresh:${accountId}`;
		const key = this.#k(`lease:${name}`);
		const lockPath = `${this.file} lease:${name}`;
		if (this.#reentry.inUpdate) throw new StoreLockReentryError(this.file);
		if (this.#reentry.holds(name)) throw new StoreLockReentryError(lockPath);
		const owner = newOwner();
		const ownerJson = JSON.stringify(owner);
		const ttl = this.config.leaseTtlMs ?? 30_000;
		const timeoutMs = this.config.accountLockTimeoutMs ?? 60_000;
		const asked = performance.now();
		let token: string | undefined;
		heldHere.add(owner.nonce);
		this.#ensureSubscriber();
		try {
			for (;;) {
				const seen = this.#leaseEvents;
				const client = await this.#ready();
				const [taken, value, pttl] = await this.#call(() =>
					client.piTakeLease(key, this.#k("fence"), ownerJson, ttl),
				);
				if (taken === 1) {
					token = value;
					break;
				}
				const holder = parseToken(value);
				if (holder?.nonce === owner.nonce) {
					// Our own take, answered on a connection that broke: it is ours.
					token = value;
					break;
				}
				if (holder && (ownerIsDead(holder) || leftOverHere(holder))) {
					await this.#call(() => client.piReleaseLease(key, value, this.#k("events"), name));
					continue;
				}
				if (this.#leaseEvents !== seen) continue;
				const waited = performance.now() - asked;
				if (waited >= timeoutMs) {
					throw new StoreLockTimeoutError(lockPath, Math.round(waited), {
						pid: holder?.pid ?? 0,
						hostname: holder?.host ?? "unknown",
						acquiredAt: Date.now() + (pttl ?? 0) - ttl,
					});
				}
				await this.#nextLeaseEvent(Math.min(LEASE_RECHECK_MS, timeoutMs - waited));
			}
		} catch (error) {
			heldHere.delete(owner.nonce);
			throw error;
		}
		try {
			return await whileLeaseRenewed(
				ttl,
				lockPath,
				() =>
					this.#ready()
						.then((client) => client.piRenewLease(key, token!, ttl))
						.then((ok) => ok === 1),
				(signal) => this.#reentry.holding(name, () => fn(signal)),
			);
		} finally {
			heldHere.delete(owner.nonce);
			await this.#release(key, token, name).catch(() => this.#releaseLater(key, token, name));
		}
	}

	async #release(key: string, token: string, name: string): Promise<void> {
		const client = await this.#ready();
		await this.#call(() => client.piReleaseLease(key, token, this.#k("events"), name));
	}

	#releaseLater(key: string, token: string, name: string, delayMs = 500): void {
		setTimeout(() => {
			void this.#release(key, token, name).catch(() => {
				// Past the expiry the lock is free anyway.
				if (delayMs < (this.config.leaseTtlMs ?? 30_000)) this.#releaseLater(key, token, name, delayMs * 2);
			});
		}, delayMs).unref();
	}

	async releaseLeasesOfThread(threadId: number): Promise<number> {
		const me = thisProcess();
		let released = 0;
		for (const lease of await this.#leaseEntries()) {
			const owner = lease.owner;
			if (owner.host !== me.host || owner.pid !== me.pid || owner.startTime !== me.startTime) continue;
			if (owner.threadId !== threadId) continue;
			const client = await this.#ready();
			released += await this.#call(() =>
				client.piReleaseLease(lease.key, lease.token, this.#k("events"), lease.name),
			);
		}
		return released;
	}

	async appendUsageSample(accountId: string, sample: UsageSample): Promise<boolean> {
		const client = await this.#ready();
		const at = Math.round(sample.at);
		const stored = await this.#call(() =>
			client.piAppendSample(
				this.#k(`history:${accountId}`),
				at,
				JSON.stringify({ ...sample, at }),
				HISTORY_MIN_GAP_MS,
				HISTORY_KEEP_MS,
				HISTORY_FULL_RESOLUTION_MS,
				HISTORY_THINNED_STEP_MS,
			),
		);
		return stored === 1;
	}

	async readUsageHistory(accountId: string, sinceMs: number): Promise<UsageSample[]> {
		const client = await this.#ready();
		const flat = await this.#call(() =>
			client.zrangebyscore(this.#k(`history:${accountId}`), Math.floor(sinceMs), "+inf", "WITHSCORES"),
		);
		const samples: UsageSample[] = [];
		for (let i = 0; i + 1 < flat.length; i += 2) {
			const sample = parseSample(Number(flat[i + 1]), flat[i] as string);
			if (sample) samples.push(sample);
		}
		return samples;
	}

	async leases(): Promise<({ name: string } & LeaseHolder)[]> {
		const now = Date.now();
		return (await this.#leaseEntries()).map((lease) => ({
			name: lease.name,
			pid: lease.owner.pid,
			host: lease.owner.host,
			threadId: lease.owner.threadId,
			expiresAt: now + lease.pttl,
		}));
	}

	async #leaseEntries(): Promise<{ key: string; name: string; token: string; owner: LeaseOwner; pttl: number }[]> {
		const client = await this.#ready();
		const prefix = this.#k("lease:");
		const keys: string[] = [];
		let cursor = "0";
		do {
			const [next, batch] = await this.#call(() =>
				client.scan(cursor, "MATCH", `${escapeGlob(prefix)}*`, "COUNT", 500),
			);
			cursor = next;
			keys.push(...batch);
		} while (cursor !== "0");
		const found = [];
		for (const key of keys.sort()) {
			const [token, pttl] = await this.#call(() => Promise.all([client.get(key), client.pttl(key)]));
			const owner = token ? parseToken(token) : undefined;
			if (!token || !owner) continue;
			found.push({ key, name: key.slice(prefix.length), token, owner, pttl: Math.max(0, pttl) });
		}
		return found;
	}

	watch(onChange: () => void): () => void {
		let closed = false;
		const listener = () => {
			if (closed) return;
			try {
				onChange();
			} catch (error) {
				process.emitWarning(`pi-dispatch store watch listener threw: ${(error as Error)?.name ?? "error"}`);
			}
		};
		this.#changeListeners.add(listener);
		this.#ensureSubscriber();
		return () => {
			closed = true;
			this.#changeListeners.delete(listener);
		};
	}

	close(): void {
		const { client, sub } = this.#live;
		const pending = [this.#client, this.#sub];
		this.#client = undefined;
		this.#sub = undefined;
		this.#live = {};
		client?.disconnect();
		sub?.disconnect();
		// Still loading the client: disconnect it once it exists.
		for (const p of pending)
			void p?.then(
				(c) => c.disconnect(),
				() => undefined,
			);
	}

	// -------------------------------------------------------------------------------------------

	#k(name: string): string {
		return `${this.config.prefix}${name}`;
	}

	#poolKeys(): string[] {
		return [this.#k("version"), this.#k("accounts"), this.#k("order"), this.#k("state"), this.#k("data")];
	}

	async #load(): Promise<Loaded> {
		const client = await this.#ready();
		const [version, accountsFlat, orderJson, stateFlat, dataFlat] = await this.#call(() =>
			client.piReadPool(...this.#poolKeys()),
		);
		const fields = new Map<string, string>();
		const reseal = new Set<string>();
		const accounts: AccountRecord[] = [];
		for (const [id, text] of pairs(accountsFlat)) {
			const stored = this.#parse(text, `accounts[${JSON.stringify(id).slice(0, 80)}]`) as Record<string, unknown>;
			const record = { ...stored } as unknown as AccountRecord;
			if (isSealed(stored.credentials)) {
				const opened = unseal(this.#key, id, stored.credentials.sealed);
				if (typeof opened === "string") throw new StoreKeyError(this.file, opened);
				record.credentials = opened;
			} else if (this.#key) {
				reseal.add(id);
			}
			accounts.push(record);
			fields.set(`${HASHES.accounts}\n${id}`, JSON.stringify(record));
		}
		const order = orderJson ? (this.#parse(orderJson, "order") as string[]) : [];
		const rank = new Map(order.map((id, i) => [id, i]));
		accounts.sort(
			(a, b) =>
				(rank.get(a.id) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.id) ?? Number.MAX_SAFE_INTEGER) ||
				a.addedAt - b.addedAt,
		);
		const state: Record<string, SharedAccountState> = {};
		for (const [id, text] of pairs(stateFlat)) {
			state[id] = this.#parse(text, `state[${JSON.stringify(id).slice(0, 80)}]`) as SharedAccountState;
			fields.set(`${HASHES.state}\n${id}`, text);
		}
		const data: StoreData = { accounts, state };
		for (const [name, text] of pairs(dataFlat)) {
			if (name === "accounts" || name === "state") continue;
			(data as unknown as Record<string, unknown>)[name] = this.#parse(text, name);
			fields.set(`${HASHES.data}\n${name}`, text);
		}
		fields.set("order", JSON.stringify(accounts.map((a) => a.id)));
		const problem = storeDataProblem(data as unknown as Record<string, unknown>);
		if (problem) throw new StoreCorruptError(this.file, problem, undefined);
		return { version: version ?? "0", data, fields, reseal };
	}

	#parse(text: string, where: string): unknown {
		try {
			return JSON.parse(text);
		} catch {
			throw new StoreCorruptError(this.file, `${where} is not valid JSON`, undefined);
		}
	}

	/** The write script's arguments for what changed, or undefined when nothing did. */
	#diff(loaded: Loaded, after: StoreData): string[] | undefined {
		const ops: string[] = [];
		const next = new Map<string, string>();
		for (const record of after.accounts) next.set(`${HASHES.accounts}\n${record.id}`, JSON.stringify(record));
		for (const [id, entry] of Object.entries(after.state)) next.set(`${HASHES.state}\n${id}`, JSON.stringify(entry));
		for (const [name, value] of Object.entries(after)) {
			if (name === "accounts" || name === "state" || value === undefined) continue;
			next.set(`${HASHES.data}\n${name}`, JSON.stringify(value));
		}
		for (const [field, text] of next) {
			const [hash, id] = splitField(field);
			const forced = hash === HASHES.accounts && loaded.reseal.has(id);
			if (loaded.fields.get(field) === text && !forced) continue;
			ops.push(`+${hash}`, id, hash === HASHES.accounts ? this.#stored(text) : text);
		}
		for (const field of loaded.fields.keys()) {
			if (field === "order" || next.has(field)) continue;
			const [hash, id] = splitField(field);
			ops.push(`-${hash}`, id, "");
		}
		const order = JSON.stringify(after.accounts.map((a) => a.id));
		const orderArg = order === loaded.fields.get("order") ? "" : order;
		if (ops.length === 0 && orderArg === "") return undefined;
		return [orderArg, ...ops];
	}

	/** A record as it goes into Redis: its credentials sealed when a key is set. */
	#stored(text: string): string {
		if (!this.#key) return text;
		const record = JSON.parse(text) as AccountRecord;
		return JSON.stringify({ ...record, credentials: seal(this.#key, record.id, record.credentials) });
	}

	#connection(): Promise<ScriptClient> {
		this.#client ??= this.#connect();
		return this.#client;
	}

	async #connect(): Promise<ScriptClient> {
		const client = (await newRedis(this.config.url, {
			// Fail at once while disconnected (the caller serves from what it knows) instead of queueing.
			enableOfflineQueue: false,
			maxRetriesPerRequest: 1,
			connectTimeout: SOCKET_CONNECT_MS,
			retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
		})) as ScriptClient;
		client.defineCommand("piReadPool", { numberOfKeys: 5, lua: READ_POOL });
		// Key count passed per call: the pool's five, then the history of each account removed.
		client.defineCommand("piWritePool", { lua: WRITE_POOL });
		client.defineCommand("piTakeLease", { numberOfKeys: 2, lua: TAKE_LEASE });
		client.defineCommand("piRenewLease", { numberOfKeys: 1, lua: RENEW_LEASE });
		client.defineCommand("piReleaseLease", { numberOfKeys: 1, lua: RELEASE_LEASE });
		client.defineCommand("piAppendSample", { numberOfKeys: 1, lua: APPEND_SAMPLE });
		client.on("connect", () => refSocket(client, this.#pending > 0));
		client.on("error", (error: Error) => {
			this.#errors++;
			this.#health = {
				reachable: false,
				since: this.#health.since ?? Date.now(),
				detail: describeRedisError(error),
			};
		});
		client.on("close", () => {
			if (this.#health.reachable)
				this.#health = { reachable: false, since: Date.now(), detail: "connection closed" };
		});
		client.on("ready", () => {
			this.#health = { reachable: true };
			if (this.#everReady) this.#notifyAll();
			this.#everReady = true;
			void this.#mergePending();
		});
		this.#live.client = client;
		return client;
	}

	#ensureSubscriber(): void {
		this.#sub ??= this.#subscribe();
		this.#sub.catch(() => undefined);
	}

	async #subscribe(): Promise<Redis> {
		const sub = await newRedis(this.config.url, {
			connectTimeout: SOCKET_CONNECT_MS,
			retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
		});
		let subscribedOnce = false;
		sub.on("connect", () => refSocket(sub, false));
		sub.on("error", () => undefined);
		sub.on("ready", () => {
			// A re-subscription: whatever was published while away is missed, so re-read everything.
			if (subscribedOnce) this.#notifyAll();
			subscribedOnce = true;
		});
		sub.on("message", (_channel: string, message: string) => {
			if (message.startsWith("lease ")) {
				this.#wakeLeaseWaiters();
				return;
			}
			if (message.endsWith(` ${this.#writer}`)) return;
			for (const listener of [...this.#changeListeners]) listener();
		});
		void sub.subscribe(this.#k("events")).catch(() => undefined);
		this.#live.sub = sub;
		return sub;
	}

	#notifyAll(): void {
		this.#wakeLeaseWaiters();
		for (const listener of [...this.#changeListeners]) listener();
	}

	#wakeLeaseWaiters(): void {
		this.#leaseEvents++;
		for (const waiter of [...this.#leaseWaiters]) waiter();
	}

	#nextLeaseEvent(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.#leaseWaiters.delete(done);
				resolve();
			};
			const timer = setTimeout(done, Math.max(1, ms));
			this.#leaseWaiters.add(done);
		});
	}

	/** The connected client, waiting up to `connectTimeoutMs` for a (re)connection. */
	async #ready(): Promise<ScriptClient> {
		const client = await this.#connection();
		if (client.status === "ready") return client;
		const timeoutMs = this.config.connectTimeoutMs ?? 3000;
		const started = Date.now();
		const errorsBefore = this.#errors;
		await new Promise<void>((resolve, reject) => {
			let timer: NodeJS.Timeout;
			const onReady = () => {
				clearTimeout(timer);
				resolve();
			};
			const expire = () => {
				// A first connection still under way with no error yet is slow (a loaded machine
				// starting many processes), not down: it gets longer.
				const slow = !this.#everReady && this.#errors === errorsBefore;
				if (slow && Date.now() - started < FIRST_CONNECT_MS) {
					timer = setTimeout(expire, timeoutMs);
					return;
				}
				client.off("ready", onReady);
				reject(new StoreUnreachableError(this.file, this.#health.detail ?? "no connection"));
			};
			timer = setTimeout(expire, timeoutMs);
			client.once("ready", onReady);
		});
		return client;
	}

	/** Runs one command; a connection failure becomes StoreUnreachableError, a server refusal StoreWriteError. */
	async #call<T>(command: () => Promise<T>): Promise<T> {
		// The socket holds the process only while a command waits for its answer (an idle
		// connection must not keep pi from exiting; a pending one must keep the answer coming).
		if (this.#pending++ === 0) refSocket(this.#live.client, true);
		try {
			return await command();
		} catch (error) {
			if (error instanceof DispatchError) throw error;
			if ((error as Error)?.name === "ReplyError") {
				// Reached, but refused (NOAUTH, NOPERM, OOM, READONLY replica): as unusable as unreachable.
				throw new StoreUnreachableError(this.file, `Redis answered ${describeRedisError(error as Error)}`, {
					cause: error,
				});
			}
			const detail = describeRedisError(error as Error);
			// The connection's own events may come a turn later: status must not say reachable meanwhile.
			if (this.#health.reachable) this.#health = { reachable: false, since: Date.now(), detail };
			throw new StoreUnreachableError(this.file, detail, { cause: error });
		} finally {
			if (--this.#pending === 0) refSocket(this.#live.client, false);
		}
	}

	/** Side files of rotations the pool could not take: applied where the account still holds the token they replaced. */
	async #mergePending(): Promise<void> {
		for (const { file, pending } of readPending(this.home)) {
			try {
				await this.update((data) => {
					const record = data.accounts.find((a) => a.id === pending.accountId);
					if (record?.credentials.refresh === pending.replaces) adoptCredentials(record, pending.credentials);
				});
				removePending(file);
			} catch {
				// Still unreachable: the side file stays for the next connection.
			}
		}
	}
}

function pairs(flat: string[]): [string, string][] {
	const out: [string, string][] = [];
	for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
	return out;
}

function splitField(field: string): [number, string] {
	const cut = field.indexOf("\n");
	return [Number(field.slice(0, cut)), field.slice(cut + 1)];
}

function parseToken(token: string): LeaseOwner | undefined {
	const cut = token.indexOf(":");
	try {
		const owner = JSON.parse(token.slice(cut + 1)) as LeaseOwner;
		return typeof owner?.pid === "number" && typeof owner.nonce === "string" ? owner : undefined;
	} catch {
		return undefined;
	}
}

function leftOverHere(owner: LeaseOwner): boolean {
	const me = thisProcess();
	return (
		owner.pid === me.pid &&
		owner.startTime === me.startTime &&
		owner.host === me.host &&
		owner.threadId === newOwner().threadId &&
		!heldHere.has(owner.nonce)
	);
}

function escapeGlob(text: string): string {
	return text.replace(/[*?[\]\\]/g, "\\$&");
}

/** A code or name, never the command's arguments (they carry tokens). */
function describeRedisError(error: Error): string {
	const code = (error as NodeJS.ErrnoException)?.code;
	if (typeof code === "string") return code;
	if (error?.name === "ReplyError") return String(error.message).split(" ")[0] ?? "ReplyError";
	if (error?.name === "MaxRetriesPerRequestError") return "connection lost";
	if (/writeable|closed/i.test(String(error?.message))) return "not connected";
	return error?.name ?? "unknown";
}

/** Connections never hold pi's exit while idle (the store is closed on stop; this covers the rest). */
function refSocket(client: Redis | undefined, ref: boolean): void {
	const stream = (client as unknown as { stream?: Socket } | undefined)?.stream;
	if (ref) stream?.ref?.();
	else stream?.unref?.();
}

/** ioredis is loaded on first use: a pool on the file store never pays for parsing it. */
async function newRedis(url: string, options: RedisOptions): Promise<Redis> {
	const { Redis } = await import("ioredis");
	return new Redis(url, options);
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
