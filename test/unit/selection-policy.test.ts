import { describe, expect, it } from "vitest";
import {
	type Candidate,
	type ChoiceInput,
	chooseAccount,
	stickyChoice,
	unavailableReason,
} from "../../src/supervisor/selection-policy.ts";
import type { UsageSnapshot } from "../../src/usage/usage-snapshot.ts";
import { pollUsage } from "../fixtures/usage/poll-usage.ts";

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

const usage = (primary: number, secondary: number, weeklyResetInHours?: number) =>
	pollUsage(NOW, primary, secondary, weeklyResetInHours);

function account(id: string, extra: Partial<Candidate> = {}): Candidate {
	return { id, label: id, state: "ready", ...extra };
}

interface Row {
	name: string;
	candidates: Candidate[];
	input?: Partial<ChoiceInput>;
	expected: { id: string; reason: string; onCredits?: boolean } | undefined;
}

const rows: Row[] = [
	{ name: "no accounts", candidates: [], expected: undefined },
	{
		name: "pinned wins over everything",
		candidates: [account("a", { usage: usage(0, 0) }), account("b", { usage: usage(50, 90, 1) })],
		input: { pinned: "b", sticky: "a" },
		expected: { id: "b", reason: "pinned" },
	},
	{
		name: "an exhausted pinned account is never chosen",
		candidates: [account("a", { usage: usage(10, 10) }), account("b", { cooldownUntil: NOW + HOUR })],
		input: { pinned: "b" },
		expected: { id: "a", reason: "soonest-weekly-reset" },
	},
	{
		name: "sticky beats untouched",
		candidates: [account("a", { usage: usage(0, 0) }), account("b", { usage: usage(40, 40) })],
		input: { sticky: "b" },
		expected: { id: "b", reason: "sticky" },
	},
	{
		name: "sticky is dropped when its account needs a login",
		candidates: [account("a", { usage: usage(5, 5) }), account("b", { state: "needs-login" })],
		input: { sticky: "b" },
		expected: { id: "a", reason: "soonest-weekly-reset" },
	},
	{
		name: "untouched beats a sooner weekly reset",
		candidates: [account("a", { usage: usage(20, 30, 1) }), account("b", { usage: usage(0, 0, 150) })],
		expected: { id: "b", reason: "untouched" },
	},
	{
		name: "5h usage alone makes an account touched",
		candidates: [account("a", { usage: usage(1, 0, 100) }), account("b", { usage: usage(60, 60, 50) })],
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "soonest weekly reset wins; 5h window ignored",
		candidates: [account("a", { usage: usage(95, 10, 100) }), account("b", { usage: usage(1, 80, 20) })],
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "usage at 100% is exhausted even without a cooldown",
		candidates: [account("a", { usage: usage(100, 20, 1) }), account("b", { usage: usage(10, 20, 90) })],
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "an expired cooldown is available again",
		candidates: [
			account("a", { cooldownUntil: NOW - 1, usage: usage(10, 10, 1) }),
			account("b", { usage: usage(5, 5, 90) }),
		],
		expected: { id: "a", reason: "soonest-weekly-reset" },
	},
	{
		name: "random among accounts without usage data",
		candidates: [account("a"), account("b"), account("c")],
		input: { random: () => 0.5 },
		expected: { id: "b", reason: "random" },
	},
	{
		name: "excluded (already tried) accounts are skipped",
		candidates: [account("a", { usage: usage(0, 0) }), account("b", { usage: usage(10, 10) })],
		input: { exclude: new Set(["a"]) },
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "a crashed-out actor is skipped",
		candidates: [account("b", { state: "gave-up", usage: usage(0, 0) }), account("d", { usage: usage(70, 70) })],
		expected: { id: "d", reason: "soonest-weekly-reset" },
	},
	{
		name: "a restarting actor's account is chosen (its lease waits for the new thread)",
		candidates: [account("a", { state: "restarting", usage: usage(0, 0) }), account("d", { usage: usage(70, 70) })],
		expected: { id: "a", reason: "untouched" },
	},
	{
		name: "a starting actor's account is chosen (its lease waits for the one refresh)",
		candidates: [account("c", { state: "starting" }), account("d", { usage: usage(70, 70) })],
		input: { pinned: "c" },
		expected: { id: "c", reason: "pinned" },
	},
	{
		name: "a starting actor's account is chosen on its usage, unpinned",
		candidates: [
			account("c", { state: "starting", usage: usage(30, 30, 5) }),
			account("d", { usage: usage(20, 20, 90) }),
		],
		expected: { id: "c", reason: "soonest-weekly-reset" },
	},
	{
		name: "weekly use alone makes an account touched (0% in its 5h window, 95% of its week)",
		candidates: [account("a", { usage: usage(0, 95, 100) }), account("b", { usage: usage(10, 10, 50) })],
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "an account without usage data is not untouched",
		candidates: [account("a"), account("b", { usage: usage(10, 10, 50) })],
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "untouched accounts are picked among at random",
		candidates: [
			account("a", { usage: usage(0, 0) }),
			account("x", { usage: usage(5, 5, 1) }),
			account("b", { usage: usage(0, 0) }),
		],
		input: { random: () => 0.99 },
		expected: { id: "b", reason: "untouched" },
	},
	{
		name: "a full window with no known reset is never chosen, pinned or not",
		candidates: [
			account("a", {
				usage: {
					primary: { usedPercent: 100, windowMinutes: 300 },
					secondary: { usedPercent: 10, windowMinutes: 10_080, resetsAt: NOW + HOUR },
					observedAt: NOW,
					source: "headers",
				},
			}),
		],
		input: { pinned: "a" },
		expected: undefined,
	},
	{
		name: "a full window whose reset has come is available again",
		candidates: [
			account("a", {
				usage: {
					primary: { usedPercent: 100, windowMinutes: 300, resetsAt: NOW },
					secondary: { usedPercent: 10, windowMinutes: 10_080, resetsAt: NOW + HOUR },
					observedAt: NOW - HOUR,
					source: "headers",
				},
			}),
		],
		expected: { id: "a", reason: "soonest-weekly-reset" },
	},
	{
		name: "a full window resetting a millisecond from now is still exhausted",
		candidates: [
			account("a", {
				usage: {
					primary: { usedPercent: 100, windowMinutes: 300, resetsAt: NOW + 1 },
					observedAt: NOW - HOUR,
					source: "headers",
				},
			}),
		],
		expected: undefined,
	},
	{
		name: "a cooldown ending now is over",
		candidates: [account("a", { cooldownUntil: NOW, usage: usage(10, 10, 1) })],
		expected: { id: "a", reason: "soonest-weekly-reset" },
	},
	{
		name: "a cooldown ending a millisecond from now is not",
		candidates: [account("a", { cooldownUntil: NOW + 1, usage: usage(10, 10, 1) })],
		expected: undefined,
	},
	{
		name: "equal weekly resets: the first listed wins",
		candidates: [account("a", { usage: usage(10, 10, 5) }), account("b", { usage: usage(20, 20, 5) })],
		input: { random: () => 0.99 },
		expected: { id: "a", reason: "soonest-weekly-reset" },
	},
	{
		name: "an account with a known weekly reset beats one without",
		candidates: [
			account("a", {
				usage: { primary: { usedPercent: 10, windowMinutes: 10_080 }, observedAt: NOW, source: "poll" },
			}),
			account("b", { usage: usage(20, 20, 150) }),
		],
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "sticky that was excluded (already tried) is not chosen again",
		candidates: [account("a", { usage: usage(40, 40, 100) }), account("b", { usage: usage(40, 40, 1) })],
		input: { sticky: "a", exclude: new Set(["a"]) },
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "all exhausted → nothing",
		candidates: [account("a", { cooldownUntil: NOW + HOUR }), account("b", { usage: usage(100, 100) })],
		expected: undefined,
	},
];

describe("chooseAccount", () => {
	it.each(rows)("$name", ({ candidates, input, expected }) => {
		const choice = chooseAccount({ candidates, now: NOW, random: () => 0, ...input });
		expect(choice).toEqual(expected);
	});
});

// --- credits, windows known by their length, per-model limits ---------------------------------

const CREDITS = { hasCredits: true, unlimited: false, balance: "12.5" };

/** A Free plan as the service sends it: the weekly limit as primary, the secondary slot empty (dropped). */
function freePlan(weekly: number, weeklyResetInHours: number): UsageSnapshot {
	return {
		primary: { usedPercent: weekly, windowMinutes: 10_080, resetsAt: NOW + weeklyResetInHours * HOUR },
		observedAt: NOW,
		source: "headers",
	};
}

/** "a" resets its week sooner (so is preferred) but has the given per-model limits cooling down; "b" is free. */
const limitCooled = (limitCooldowns: Record<string, number>): Candidate[] => [
	account("a", { usage: usage(10, 10, 1), limitCooldowns }),
	account("b", { usage: usage(10, 10, 100) }),
];

const lengthRows: Row[] = [
	{
		name: "a full window with credits serves only when no account has plan quota",
		candidates: [
			account("a", { usage: { ...usage(100, 40, 1), credits: CREDITS } }),
			account("b", { usage: usage(90, 95, 100) }),
		],
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "accounts on credits are the last resort, pinned or not",
		candidates: [
			account("a", { usage: { ...usage(100, 40, 1), credits: CREDITS } }),
			account("b", { usage: usage(10, 10, 100) }),
		],
		input: { pinned: "a", sticky: "a" },
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "with every plan quota spent, an account with credits serves (billed)",
		candidates: [
			account("a", { usage: { ...usage(100, 100, 1), credits: { hasCredits: false, unlimited: true } } }),
			account("b", { usage: usage(100, 100, 100) }),
		],
		expected: { id: "a", reason: "soonest-weekly-reset", onCredits: true },
	},
	{
		name: "credits 'never': a full window is exhausted whatever the credits",
		candidates: [account("a", { usage: { ...usage(100, 40, 1), credits: CREDITS } })],
		input: { credits: "never" },
		expected: undefined,
	},
	{
		name: "the service's own refusal (wham allowed:false) wins over room and credits",
		candidates: [
			account("a", {
				usage: { ...usage(10, 10, 1), credits: CREDITS, refused: "workspace_member_credits_depleted" },
			}),
			account("b", { usage: usage(50, 50, 100) }),
		],
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "a Free plan's weekly primary is its long window: 99% used is not 'resets now'",
		candidates: [account("free", { usage: freePlan(99, 150) }), account("plus", { usage: usage(20, 30, 40) })],
		expected: { id: "plus", reason: "soonest-weekly-reset" },
	},
	{
		name: "a stored snapshot's empty secondary (0%, 0 min, reset 'now') is no window",
		candidates: [
			account("old", {
				usage: {
					...freePlan(60, 150),
					secondary: { usedPercent: 0, windowMinutes: 0, resetsAt: NOW - 1 },
				},
			}),
			account("plus", { usage: usage(20, 30, 40) }),
		],
		expected: { id: "plus", reason: "soonest-weekly-reset" },
	},
	{
		name: "a 30-day window counts as the long window",
		candidates: [
			account("month", {
				usage: {
					primary: { usedPercent: 5, windowMinutes: 43_200, resetsAt: NOW + 10 * HOUR },
					observedAt: NOW,
					source: "poll",
				},
			}),
			account("plus", { usage: usage(20, 30, 40) }),
		],
		expected: { id: "month", reason: "soonest-weekly-reset" },
	},
	{
		name: "credits 'never': an account on credits whose window has reset serves again",
		candidates: [
			account("a", {
				usage: {
					primary: { usedPercent: 100, windowMinutes: 300, resetsAt: NOW },
					credits: CREDITS,
					observedAt: NOW - HOUR,
					source: "poll",
				},
			}),
		],
		input: { credits: "never" },
		expected: { id: "a", reason: "soonest-weekly-reset" },
	},
	{
		name: "credits 'never': on credits with no known reset stays out",
		candidates: [
			account("a", {
				usage: {
					primary: { usedPercent: 100, windowMinutes: 300 },
					credits: CREDITS,
					observedAt: NOW,
					source: "poll",
				},
			}),
		],
		input: { credits: "never" },
		expected: undefined,
	},
	{
		name: "last-resort: on credits with no known reset still counts as on credits",
		candidates: [
			account("a", {
				usage: {
					primary: { usedPercent: 100, windowMinutes: 300 },
					credits: CREDITS,
					observedAt: NOW,
					source: "poll",
				},
			}),
			account("b", { usage: usage(50, 50, 100) }),
		],
		input: { pinned: "a" },
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "last-resort: an account whose credited window has reset is back on plan quota",
		candidates: [
			account("a", {
				usage: {
					primary: { usedPercent: 100, windowMinutes: 300, resetsAt: NOW },
					credits: CREDITS,
					observedAt: NOW - HOUR,
					source: "poll",
				},
			}),
			account("b", { usage: usage(50, 50, 100) }),
		],
		input: { pinned: "a" },
		expected: { id: "a", reason: "pinned" },
	},
	{
		name: "a per-model limit cooling down skips the account for that limit only",
		candidates: limitCooled({ codex_bengalfox: NOW + HOUR }),
		input: { limit: "codex_bengalfox" },
		expected: { id: "b", reason: "soonest-weekly-reset" },
	},
	{
		name: "a per-model limit whose cooldown ended now is routable for it",
		candidates: limitCooled({ codex_bengalfox: NOW }),
		input: { limit: "codex_bengalfox" },
		expected: { id: "a", reason: "soonest-weekly-reset" },
	},
	{
		name: "another limit's cooldown does not skip the account",
		candidates: limitCooled({ codex_other: NOW + HOUR }),
		input: { limit: "codex_bengalfox" },
		expected: { id: "a", reason: "soonest-weekly-reset" },
	},
	{
		name: "…and keeps it routable for the other models",
		candidates: limitCooled({ codex_bengalfox: NOW + HOUR }),
		expected: { id: "a", reason: "soonest-weekly-reset" },
	},
];

describe("chooseAccount by window length, credits and limits", () => {
	it.each(lengthRows)("$name", ({ candidates, input, expected }) => {
		const choice = chooseAccount({ candidates, now: NOW, random: () => 0, ...input });
		expect(choice).toEqual(expected);
	});
});

describe("unavailableReason: the words /dispatch-status shows", () => {
	it.each<[string, Candidate, string | undefined]>([
		["ready", account("a", { usage: usage(10, 10) }), undefined],
		["needs login", account("a", { state: "needs-login" }), "needs login"],
		["gave up", account("a", { state: "gave-up" }), "actor keeps crashing"],
		["cooling down", account("a", { cooldownUntil: NOW + 1 }), "exhausted"],
		["a full window", account("a", { usage: usage(100, 10) }), "exhausted"],
	])("%s", (_, candidate, reason) => {
		expect(unavailableReason(candidate, NOW)).toBe(reason);
	});

	it("a spent per-model limit, and credits 'never' on credits", () => {
		expect(unavailableReason(account("a", { limitCooldowns: { x: NOW + 1 } }), NOW, "last-resort", "x")).toBe(
			"exhausted",
		);
		const onCredits = account("a", { usage: { ...usage(100, 10), credits: { hasCredits: true, unlimited: false } } });
		expect(unavailableReason(onCredits, NOW, "never")).toBe("exhausted");
		expect(unavailableReason(onCredits, NOW)).toBeUndefined();
	});

	it("a random source that returns 1 (out of its contract) still picks an account", () => {
		expect(chooseAccount({ candidates: [account("a"), account("b")], now: NOW, random: () => 1 })).toEqual({
			id: "b",
			reason: "random",
		});
	});
});

describe("stickyChoice: a session's account read alone", () => {
	it("answers only what chooseAccount answers, on every row that names a sticky account", () => {
		for (const { candidates, input } of [...rows, ...lengthRows]) {
			if (!input?.sticky) continue;
			const sticky = candidates.find((c) => c.id === input.sticky);
			if (!sticky) continue;
			const { sticky: _sticky, ...rules } = { now: NOW, random: () => 0, ...input };
			const fast = stickyChoice(sticky, rules);
			if (fast) expect(fast).toEqual(chooseAccount({ candidates, ...rules, sticky: sticky.id }));
		}
	});

	it("agrees with chooseAccount over random pools (states, cooldowns, credits, caps, limits, pins, exclusions)", () => {
		let seed = 7;
		const random = () => {
			seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
			return seed / 2 ** 31;
		};
		const oneOf = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
		const usages = [
			undefined,
			usage(0, 0, 50),
			usage(40, 60, 20),
			usage(100, 30, 2),
			{ ...usage(100, 40, 1), credits: CREDITS },
			{ ...usage(95, 95, 3), credits: CREDITS },
		];
		const capsChoices = [
			undefined,
			{ all: { weekly: { percent: 50 } } },
			{ all: { weekly: { percent: 50, hard: true } } },
		];
		let fastAnswers = 0;
		for (let round = 0; round < 2000; round++) {
			const candidates = ["a", "b", "c", "d"].slice(0, 1 + Math.floor(random() * 4)).map((id) =>
				account(id, {
					state: oneOf(["ready", "ready", "ready", "cooling-down", "needs-login", "starting"] as const),
					...(random() < 0.2 ? { cooldownUntil: NOW + oneOf([-HOUR, HOUR]) } : {}),
					...(random() < 0.2 ? { limitCooldowns: { codex_bengalfox: NOW + HOUR } } : {}),
					...((u) => (u ? { usage: u } : {}))(oneOf(usages)),
				}),
			);
			const sticky = oneOf(candidates);
			const caps = oneOf(capsChoices) as ChoiceInput["caps"];
			const rules = {
				now: NOW,
				random: () => 0,
				...(random() < 0.2 ? { pinned: oneOf(candidates).id } : {}),
				...(random() < 0.2 ? { exclude: new Set([oneOf(candidates).id]) } : {}),
				...(random() < 0.3 ? { credits: "never" as const } : {}),
				...(random() < 0.3 ? { limit: "codex_bengalfox" } : {}),
				...(caps ? { caps } : {}),
			};
			const fast = stickyChoice(sticky, rules);
			if (!fast) continue;
			fastAnswers++;
			expect(fast).toEqual(chooseAccount({ candidates, ...rules, sticky: sticky.id }));
		}
		// The shortcut is taken often enough for the check to mean something.
		expect(fastAnswers).toBeGreaterThan(200);
	});
});
