/**
 * No stampede at a cooldown's end: when an account's cooldown is over, one request (from one pi
 * process: a short lease in the store, taken as compare-and-set) probes it; the other processes keep
 * routing elsewhere until that probe succeeds (`probed`), fails with a new cooldown, or its lease
 * lapses and the next request takes it over.
 */
import type { SharedAccountState } from "../store/account-record.ts";
import type { PoolStore } from "../store/pool-store.ts";

/** True while the account's cooldown has ended and no success has been seen since. */
export function probeDue(state: SharedAccountState | undefined, now: number): boolean {
	return state?.probeDue !== undefined && state.probeDue <= now;
}

/** Someone else holds a live probe lease on the account. */
export function probedElsewhere(state: SharedAccountState | undefined, owner: string, now: number): boolean {
	const lease = state?.probeLease;
	return probeDue(state, now) && lease !== undefined && lease.owner !== owner && lease.until > now;
}

/** Takes the account's probe lease for `owner` unless another holds a live one; true when `owner` holds it. */
export async function claimProbe(
	store: PoolStore,
	accountId: string,
	owner: string,
	now: number,
	leaseMs: number,
): Promise<boolean> {
	return store.update((data) => {
		const state = data.state[accountId];
		if (!probeDue(state, now)) return true;
		if (probedElsewhere(state, owner, now)) return false;
		data.state[accountId] = { ...state, probeLease: { owner, until: now + leaseMs } };
		return true;
	});
}
