import type { ActorState } from "../protocol/messages.ts";
import { type CapSettings, capReached, capText } from "../quota/caps.ts";
import type { CreditsPolicy } from "../store/account-record.ts";
import {
	exhaustedUntil,
	isOnCredits,
	isUsageExhausted,
	longestWindow,
	type UsageSnapshot,
	usageWindows,
} from "../usage/usage-snapshot.ts";

export interface Candidate {
	id: string;
	label: string;
	state: ActorState;
	cooldownUntil?: number;
	usage?: UsageSnapshot;
	/** Per-limit cooldowns (`codex_bengalfox` → epoch ms): the account still serves other models. */
	limitCooldowns?: Readonly<Record<string, number>>;
}

export type ChoiceReason = "pinned" | "sticky" | "untouched" | "soonest-weekly-reset" | "random";

export interface Choice {
	id: string;
	reason: ChoiceReason;
	/** The account's plan quota is spent: this request is billed to its credits. */
	onCredits?: boolean;
	/** The account is at a soft cap: chosen because nothing under its caps could serve. */
	overCap?: boolean;
}

export type { CreditsPolicy };

export interface ChoiceInput {
	candidates: readonly Candidate[];
	now: number;
	/** Account pinned with /dispatch-use for this session. */
	pinned?: string;
	/** Account this session used last (keeps the prompt cache warm). */
	sticky?: string;
	/** Accounts already tried for this request. */
	exclude?: ReadonlySet<string>;
	/** Default "last-resort". */
	credits?: CreditsPolicy;
	/** The limit this request's model is known to count against (not `codex`), if any. */
	limit?: string;
	/** The pool's caps (/dispatch-cap): a hard cap skips the account, a soft one makes it a last resort. */
	caps?: CapSettings;
	/** [0, 1); injectable for tests. */
	random?: () => number;
}

/** Why an account cannot serve right now, or undefined when it can. */
export function unavailableReason(
	candidate: Candidate,
	now: number,
	// Stryker disable next-line StringLiteral: any policy but "never" is last-resort
	credits: CreditsPolicy = "last-resort",
	limit?: string,
	caps?: CapSettings,
): string | undefined {
	if (candidate.state === "needs-login") return "needs login";
	if (candidate.state === "gave-up") return "actor keeps crashing";
	// A starting or restarting actor's account is chosen: its lease waits for the actor (and its one
	// refresh, if due) instead of the request failing.
	// Stryker disable next-line ConditionalExpression: undefined > now is false anyway
	if (candidate.cooldownUntil !== undefined && candidate.cooldownUntil > now) return "exhausted";
	// Stryker disable next-line ConditionalExpression: no cooldown is keyed "undefined"
	if (limit !== undefined && (candidate.limitCooldowns?.[limit] ?? 0) > now) return "exhausted";
	if (isUsageExhausted(candidate.usage)) {
		const until = exhaustedUntil(candidate.usage);
		if (until === undefined || until > now) return "exhausted";
	}
	if (credits === "never" && isOnCredits(candidate.usage)) {
		const until = exhaustedUntil(candidate.usage);
		if (until === undefined || until > now) return "exhausted";
	}
	const cap = capReached(caps, candidate.id, candidate.usage, now);
	if (cap?.hard) return capText(cap);
	return undefined;
}

/**
 * Accounts with plan quota left and under their caps come first; then accounts at a soft cap
 * (/dispatch-cap without --hard); an account on credits is chosen only when none of those is left
 * (and the credits policy allows it). Within that set: pinned → sticky → untouched (0% in every
 * window) → longest window (the weekly one) resetting soonest → random. An account known to be
 * exhausted, or at a hard cap, is never chosen.
 */
export function chooseAccount(input: ChoiceInput): Choice | undefined {
	const { now, exclude } = input;
	// Stryker disable next-line StringLiteral: any policy but "never" is last-resort
	const credits = input.credits ?? "last-resort";
	const usable = input.candidates.filter(
		(c) => !exclude?.has(c.id) && unavailableReason(c, now, credits, input.limit, input.caps) === undefined,
	);
	if (usable.length === 0) return undefined;
	const withQuota = usable.filter((c) => !onCreditsNow(c, now));
	const underCap = withQuota.filter((c) => capReached(input.caps, c.id, c.usage, now) === undefined);
	if (underCap.length > 0) return chooseAmong(underCap, input);
	if (withQuota.length > 0) return { ...chooseAmong(withQuota, input), overCap: true };
	return { ...chooseAmong(usable, input), onCredits: true };
}

/**
 * `chooseAccount`'s answer read off the session's sticky account alone, when the others cannot
 * change it: nothing pinned, and the sticky account can serve with plan quota left and under its
 * caps (the first tier, where sticky comes before every other rule). Undefined: ask `chooseAccount`.
 * A session's every turn asks this, so a pool of many accounts is not scanned per request.
 */
export function stickyChoice(sticky: Candidate, input: Omit<ChoiceInput, "candidates" | "sticky">): Choice | undefined {
	const { now } = input;
	if (input.pinned !== undefined || input.exclude?.has(sticky.id)) return undefined;
	// Stryker disable next-line StringLiteral: any policy but "never" is last-resort
	const credits = input.credits ?? "last-resort";
	if (unavailableReason(sticky, now, credits, input.limit, input.caps) !== undefined) return undefined;
	if (onCreditsNow(sticky, now) || capReached(input.caps, sticky.id, sticky.usage, now) !== undefined)
		return undefined;
	return { id: sticky.id, reason: "sticky" };
}

function chooseAmong(available: readonly Candidate[], input: ChoiceInput): Choice {
	// Stryker disable next-line ConditionalExpression: no candidate has an undefined id
	const byId = (id: string | undefined) => (id === undefined ? undefined : available.find((c) => c.id === id));
	const pinned = byId(input.pinned);
	if (pinned) return { id: pinned.id, reason: "pinned" };
	const sticky = byId(input.sticky);
	if (sticky) return { id: sticky.id, reason: "sticky" };

	const random = input.random ?? Math.random;
	const untouched = available.filter(isUntouched);
	if (untouched.length > 0) return { id: pick(untouched, random).id, reason: "untouched" };

	let soonest: Candidate | undefined;
	let soonestAt = Number.POSITIVE_INFINITY;
	for (const c of available) {
		const resetsAt = longestWindow(c.usage)?.resetsAt;
		if (resetsAt === undefined || resetsAt >= soonestAt) continue;
		soonest = c;
		soonestAt = resetsAt;
	}
	if (soonest) return { id: soonest.id, reason: "soonest-weekly-reset" };
	return { id: pick(available, random).id, reason: "random" };
}

/** A full window its credits pay for, not reset yet. */
function onCreditsNow(c: Candidate, now: number): boolean {
	if (!isOnCredits(c.usage)) return false;
	const until = exhaustedUntil(c.usage);
	return until === undefined || until > now;
}

function isUntouched(c: Candidate): boolean {
	const windows = usageWindows(c.usage);
	return windows.length > 0 && windows.every((w) => w.usedPercent === 0);
}

function pick<T>(items: readonly T[], random: () => number): T {
	return items[Math.min(items.length - 1, Math.floor(random() * items.length))]!;
}
