import type { SharedAccountState } from "../store/account-record.ts";

/**
 * Merges what one process learned into what the store holds, so processes never undo each other:
 * the later cooldown wins, the newer usage wins.
 */
export function mergeSharedState(
	current: SharedAccountState | undefined,
	patch: SharedAccountState,
	now: number,
): SharedAccountState {
	const merged: SharedAccountState = { ...current };
	if (patch.cooldownUntil !== undefined && (merged.cooldownUntil ?? 0) < patch.cooldownUntil) {
		merged.cooldownUntil = patch.cooldownUntil;
		merged.cooldownReason = patch.cooldownReason;
	}
	if (merged.cooldownUntil !== undefined && merged.cooldownUntil <= now) {
		delete merged.cooldownUntil;
		delete merged.cooldownReason;
	}
	if (patch.usage && (!merged.usage || merged.usage.observedAt <= patch.usage.observedAt)) merged.usage = patch.usage;
	if ((patch.degradedUntil ?? 0) > (merged.degradedUntil ?? 0)) merged.degradedUntil = patch.degradedUntil;
	if (merged.degradedUntil !== undefined && merged.degradedUntil <= now) delete merged.degradedUntil;
	if (patch.modelRefusals || merged.modelRefusals) {
		const refusals: Record<string, number> = {};
		for (const source of [merged.modelRefusals, patch.modelRefusals]) {
			for (const [model, until] of Object.entries(source ?? {})) {
				if (until > now && until > (refusals[model] ?? 0)) refusals[model] = until;
			}
		}
		if (Object.keys(refusals).length > 0) merged.modelRefusals = refusals;
		else delete merged.modelRefusals;
	}
	return merged;
}
