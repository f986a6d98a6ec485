import type { ActorState } from "../protocol/messages.ts";
import { exhaustedUntil, isUsageExhausted, type UsageSnapshot } from "../usage/usage-snapshot.ts";

export interface Candidate {
	id: string;
	label: string;
	state: ActorState;
	cooldownUntil?: number;
	usage?: UsageSnapshot;
}

export type ChoiceReason = "pinned" | "sticky" | "untouched" | "soonest-weekly-reset" | "random";

export interface Choice {
	id: string;
	reason: ChoiceReason;
}

export interface ChoiceInput {
	candidates: readonly Candidate[];
	now: number;
	/** Account pinned with /dispatch-use for this session. */
	pinned?: string;
	/** Account this session used last (keeps the prompt cache warm). */
	sticky?: string;
	/** Accounts already tried for this request. */
	exclude?: ReadonlySet<string>;
	/** [0, 1); injectable for tests. */
	random?: () => number;
}

/** Why an account cannot serve right now, or undefined when it can. */
export function unavailableReason(candidate: Candidate, now: number): string | undefined {
	if (candidate.state === "needs-login") return "needs login";
	if (candidate.state === "gave-up") return "actor keeps crashing";
	// A starting or restarting actor's account is chosen: its lease waits for the actor (and its one
	// refresh, if due) instead of the request failing.
	if (candidate.cooldownUntil !== undefined && candidate.cooldownUntil > now) return "exhausted";
	if (isUsageExhausted(candidate.usage)) {
		const until = exhaustedUntil(candidate.usage);
		if (until === undefined || until > now) return "exhausted";
	}
	return undefined;
}

/**
 * pinned → sticky → untouched (0% in both windows) → weekly window resetting soonest (the 5h window
 * is ignored for choice) → random. An account known to be exhausted is never chosen.
 */
export function chooseAccount(input: ChoiceInput): Choice | undefined {
	const { now, exclude } = input;
	const available = input.candidates.filter((c) => !exclude?.has(c.id) && unavailableReason(c, now) === undefined);
	if (available.length === 0) return undefined;
	const byId = (id: string | undefined) => (id === undefined ? undefined : available.find((c) => c.id === id));

	const pinned = byId(input.pinned);
	if (pinned) return { id: pinned.id, reason: "pinned" };
	const sticky = byId(input.sticky);
	if (sticky) return { id: sticky.id, reason: "sticky" };

	const random = input.random ?? Math.random;
	const untouched = available.filter(isUntouched);
	if (untouched.length > 0) return { id: pick(untouched, random).id, reason: "untouched" };

	let soonest: Candidate | undefined;
	for (const c of available) {
		const resetsAt = c.usage?.secondary?.resetsAt;
		if (resetsAt === undefined) continue;
		if (!soonest || resetsAt < (soonest.usage?.secondary?.resetsAt ?? Number.POSITIVE_INFINITY)) soonest = c;
	}
	if (soonest) return { id: soonest.id, reason: "soonest-weekly-reset" };
	return { id: pick(available, random).id, reason: "random" };
}

function isUntouched(c: Candidate): boolean {
	return (
		c.usage !== undefined && (c.usage.primary?.usedPercent ?? 0) === 0 && (c.usage.secondary?.usedPercent ?? 0) === 0
	);
}

function pick<T>(items: readonly T[], random: () => number): T {
	return items[Math.min(items.length - 1, Math.floor(random() * items.length))]!;
}
