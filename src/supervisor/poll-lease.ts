/**
 * Usage polls once for the whole pool, not once per pi process: a process that finds an account's
 * shared usage stale takes the account's `pollLease` in the store (compare-and-set inside one
 * `update()`), and only the lease holder polls; every other process reads the result from the store.
 * A lease is short: if its holder dies or its poll fails, the next tick anywhere takes it over.
 */
import { randomUUID } from "node:crypto";
import type { SharedAccountState, StoreData } from "../store/account-record.ts";
import type { PoolStore } from "../store/pool-store.ts";

export interface PollClaim {
	/** This process (unique per supervisor). */
	owner: string;
	now: number;
	/** Shared usage older than this is due a poll. */
	staleMs: number;
	/**
	 * An account on a cooldown is re-checked when its usage is older than this instead (throttled:
	 * a bench of hours or days is looked at now and then, so an early reset or bought credits show).
	 */
	benchedStaleMs?: number;
	leaseMs: number;
	/** Claim at most this many accounts at once (each poll activates an actor for a moment). */
	max: number;
	/** Accounts this process may poll (its actor is not given up, …). */
	eligible: (accountId: string) => boolean;
}

/** Whether `state`'s usage is due a poll that nobody else holds the lease for. */
export function pollDue(state: SharedAccountState | undefined, claim: PollClaim): boolean {
	const usageAt = state?.usage?.observedAt ?? Number.NEGATIVE_INFINITY;
	const benched = state?.cooldownUntil !== undefined && state.cooldownUntil > claim.now;
	const staleMs = benched ? Math.max(claim.staleMs, claim.benchedStaleMs ?? 0) : claim.staleMs;
	if (claim.now - usageAt < staleMs) return false;
	// A live lease holds off its own holder too: its poll is under way.
	const lease = state?.pollLease;
	return !lease || lease.until <= claim.now;
}

function dueAccounts(data: StoreData, claim: PollClaim): string[] {
	return data.accounts
		.filter((a) => !a.needsLogin && claim.eligible(a.id) && pollDue(data.state[a.id], claim))
		.map((a) => a.id)
		.slice(0, claim.max);
}

/** Takes the poll lease of every due account (up to `max`) in one store write; the ids this process now polls. */
export async function claimPollLeases(store: PoolStore, claim: PollClaim): Promise<string[]> {
	// A lock-free read first: most ticks find nothing due and write nothing.
	if (dueAccounts(await store.read(), claim).length === 0) return [];
	return store.update((data) => {
		const claimed = dueAccounts(data, claim);
		for (const id of claimed) {
			data.state[id] = { ...data.state[id], pollLease: { owner: claim.owner, until: claim.now + claim.leaseMs } };
		}
		return claimed;
	});
}

export interface PoolPollerOptions {
	store: PoolStore;
	/** Shared usage older than this is due at each tick. */
	staleMs: number;
	/** The same for an account on a cooldown (its throttled re-check). */
	benchedStaleMs?: number;
	leaseMs: number;
	startDelayMs: number;
	tickMs: number;
	perTick: number;
	eligible: (accountId: string) => boolean;
	/** This process holds the lease of these accounts now: poll them. */
	poll: (accountId: string) => void;
	onTick: (polled: string[]) => void;
	onError: (error: unknown) => void;
}

/** This process's share of the pool's usage polls: a jittered, unref'd tick that claims due leases. */
export class PoolPoller {
	readonly #options: PoolPollerOptions;
	/** This process in poll leases. */
	readonly #owner = `${process.pid}-${randomUUID()}`;
	#timer: NodeJS.Timeout | undefined;
	#stopped = false;
	/** Claims under way (store writes): `stop` waits for them. */
	readonly #claims = new Set<Promise<unknown>>();

	constructor(options: PoolPollerOptions) {
		this.#options = options;
		this.#schedule(options.startDelayMs);
	}

	/** Claims and polls now every account whose usage is older than `staleMs` (up to `max`). */
	async pollDue(staleMs: number, max: number): Promise<string[]> {
		if (this.#stopped) return [];
		const { store, leaseMs, eligible, poll, benchedStaleMs } = this.#options;
		const claiming = claimPollLeases(store, {
			owner: this.#owner,
			now: Date.now(),
			staleMs,
			...(benchedStaleMs !== undefined ? { benchedStaleMs: Math.max(staleMs, benchedStaleMs) } : {}),
			leaseMs,
			max,
			eligible,
		});
		this.#claims.add(claiming);
		try {
			const claimed = await claiming;
			if (!this.#stopped) for (const id of claimed) poll(id);
			return claimed;
		} finally {
			this.#claims.delete(claiming);
		}
	}

	/** No more ticks; resolves when the claims under way have landed. */
	async stop(): Promise<void> {
		this.#stopped = true;
		clearTimeout(this.#timer);
		await Promise.allSettled([...this.#claims]);
	}

	#schedule(delayMs: number): void {
		if (this.#stopped) return;
		const { staleMs, perTick, tickMs, onTick, onError } = this.#options;
		this.#timer = setTimeout(() => {
			void this.pollDue(staleMs, perTick)
				.then(onTick, onError)
				.finally(() => this.#schedule(tickMs * (0.75 + 0.5 * Math.random())));
		}, delayMs);
		this.#timer.unref();
	}
}
