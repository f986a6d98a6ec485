import type { SharedAccountState } from "../store/account-record.ts";

/** Cooldowns at least this long end with a probe (one request in the pool before the rest). */
export const PROBE_MIN_COOLDOWN_MS = 60_000;

/**
 * A change to an account's shared state. `retractCooldownUpTo`: the service showed the account
 * serving again (a success, or a usage re-check with room: an early reset, bought credits), so a
 * stored cooldown ending no later than this is over; a later one, found meanwhile, stays.
 */
export type SharedPatch = SharedAccountState & {
	retractCooldownUpTo?: number;
	/** The account served: no probe is due any more. */
	probed?: boolean;
};

/**
 * Merges what one process learned into what the store holds, so processes never undo each other:
 * the later cooldown wins, the newer usage wins.
 */
export function mergeSharedState(
	current: SharedAccountState | undefined,
	patch: SharedPatch,
	now: number,
): SharedAccountState {
	const merged: SharedAccountState = { ...current };
	const retract = patch.retractCooldownUpTo;
	// Stryker disable next-line ConditionalExpression,LogicalOperator: a comparison with undefined is false anyway
	if (retract !== undefined && merged.cooldownUntil !== undefined && merged.cooldownUntil <= retract) {
		delete merged.cooldownUntil;
		delete merged.cooldownReason;
		delete merged.probeDue;
		delete merged.probeLease;
	}
	if (patch.probed) {
		delete merged.probeDue;
		delete merged.probeLease;
	}
	// Stryker disable next-line ConditionalExpression: a comparison with undefined is false anyway
	if (patch.cooldownUntil !== undefined && (merged.cooldownUntil ?? 0) < patch.cooldownUntil) {
		merged.cooldownUntil = patch.cooldownUntil;
		merged.cooldownReason = patch.cooldownReason;
		// The end of a real bench is probed by one request before the pool piles on; a throttle of
		// seconds is not worth a store write per request.
		if (patch.cooldownUntil - now >= PROBE_MIN_COOLDOWN_MS) merged.probeDue = patch.cooldownUntil;
		delete merged.probeLease;
	}
	// Stryker disable next-line ConditionalExpression: a comparison with undefined is false anyway
	if (merged.cooldownUntil !== undefined && merged.cooldownUntil <= now) {
		delete merged.cooldownUntil;
		delete merged.cooldownReason;
	}
	const limits = laterUntils(merged.limitCooldowns, patch.limitCooldowns, now);
	if (limits) merged.limitCooldowns = limits;
	else delete merged.limitCooldowns;
	if (patch.limitModels) merged.limitModels = { ...merged.limitModels, ...patch.limitModels };
	if (patch.usage && (!merged.usage || merged.usage.observedAt <= patch.usage.observedAt)) merged.usage = patch.usage;
	// Stryker disable next-line EqualityOperator: an equal mark written again is the same mark
	if ((patch.degradedUntil ?? 0) > (merged.degradedUntil ?? 0)) merged.degradedUntil = patch.degradedUntil;
	// Stryker disable next-line ConditionalExpression: a comparison with undefined is false anyway
	if (merged.degradedUntil !== undefined && merged.degradedUntil <= now) delete merged.degradedUntil;
	const refusals = laterUntils(merged.modelRefusals, patch.modelRefusals, now);
	if (refusals) merged.modelRefusals = refusals;
	else delete merged.modelRefusals;
	return merged;
}

/** Two `key → until` maps as one: the later `until` per key, the ones over by `now` dropped; undefined when none is left. */
function laterUntils(
	a: Record<string, number> | undefined,
	b: Record<string, number> | undefined,
	now: number,
): Record<string, number> | undefined {
	const merged: Record<string, number> = {};
	for (const source of [a, b]) {
		for (const [key, until] of Object.entries(source ?? {})) {
			// Stryker disable next-line EqualityOperator: an equal end written again is the same end
			if (until > now && until > (merged[key] ?? 0)) merged[key] = until;
		}
	}
	return Object.keys(merged).length > 0 ? merged : undefined;
}
