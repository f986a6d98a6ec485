/** The rules read off a usage snapshot: which windows count, which is the long one, when an account is spent. */
import { describe, expect, it } from "vitest";
import {
	exhaustedUntil,
	hasCredits,
	isOnCredits,
	isPlanQuotaFull,
	isUsageExhausted,
	longestWindow,
	resetWindowsDueBy,
	shortestWindow,
	type UsageSnapshot,
	type UsageWindow,
	usageWindows,
	windowLabel,
} from "../../src/usage/usage-snapshot.ts";

const NOW = 1_800_000_000_000;
const w = (usedPercent: number, windowMinutes: number, resetsAt?: number): UsageWindow => ({
	usedPercent,
	windowMinutes,
	...(resetsAt !== undefined ? { resetsAt } : {}),
});
const snap = (extra: Partial<UsageSnapshot>): UsageSnapshot => ({ observedAt: NOW, source: "poll", ...extra });
const CREDITS = { hasCredits: true, unlimited: false };

describe("windows", () => {
	it.each<[string, UsageWindow, boolean]>([
		["used, even with no length", w(5, 0), true],
		["0 % of a real window", w(0, 300), true],
		["0 %, no length (an empty slot)", w(0, 0, NOW), false],
	])("%s counts: %s", (_, window, counts) => {
		expect(usageWindows(snap({ primary: window }))).toEqual(counts ? [window] : []);
	});

	it("shortest first, whichever slot each came in; none for no snapshot", () => {
		const weekly = w(40, 10_080);
		const fiveHours = w(10, 300);
		expect(usageWindows(snap({ primary: weekly, secondary: fiveHours }))).toEqual([fiveHours, weekly]);
		expect(usageWindows(snap({ primary: fiveHours, secondary: weekly }))).toEqual([fiveHours, weekly]);
		expect(usageWindows(undefined)).toEqual([]);
		expect(longestWindow(snap({ primary: weekly, secondary: fiveHours }))).toBe(weekly);
		expect(shortestWindow(snap({ primary: weekly, secondary: fiveHours }))).toBe(fiveHours);
		// One window is the long one, and there is no short one.
		expect(longestWindow(snap({ primary: weekly }))).toBe(weekly);
		expect(shortestWindow(snap({ primary: weekly }))).toBeUndefined();
		expect(longestWindow(undefined)).toBeUndefined();
	});

	it.each([
		[10_080, "weekly"],
		[43_200, "30d"],
		[1440, "1d"],
		[2880, "2d"],
		[300, "5h"],
		[60, "1h"],
		[90, "90m"],
		[0, "0m"],
		[-60, "-60m"],
		[-1440, "-1440m"],
	])("windowLabel(%i) = %s", (minutes, label) => {
		expect(windowLabel(minutes)).toBe(label);
	});
});

describe("spent or not", () => {
	it.each<
		[string, UsageSnapshot | undefined, { full: boolean; credits: boolean; onCredits: boolean; exhausted: boolean }]
	>([
		["no snapshot", undefined, { full: false, credits: false, onCredits: false, exhausted: false }],
		[
			"room, no credits field",
			snap({ primary: w(99, 300) }),
			{ full: false, credits: false, onCredits: false, exhausted: false },
		],
		[
			"full, no credits field",
			snap({ primary: w(100, 300) }),
			{ full: true, credits: false, onCredits: false, exhausted: true },
		],
		[
			"full, credits",
			snap({ primary: w(100, 300), credits: CREDITS }),
			{ full: true, credits: true, onCredits: true, exhausted: false },
		],
		[
			"full, unlimited",
			snap({ secondary: w(100, 10_080), credits: { hasCredits: false, unlimited: true } }),
			{ full: true, credits: true, onCredits: true, exhausted: false },
		],
		[
			"full, no credits left",
			snap({ primary: w(100, 300), credits: { hasCredits: false, unlimited: false } }),
			{ full: true, credits: false, onCredits: false, exhausted: true },
		],
		[
			"room, credits",
			snap({ primary: w(50, 300), credits: CREDITS }),
			{ full: false, credits: true, onCredits: false, exhausted: false },
		],
		[
			"the service refuses, with room and credits",
			snap({ primary: w(10, 300), credits: CREDITS, refused: "spend control reached" }),
			{ full: false, credits: true, onCredits: false, exhausted: true },
		],
		[
			"the service refuses a full window with credits",
			snap({ primary: w(100, 300), credits: CREDITS, refused: "not allowed" }),
			{ full: true, credits: true, onCredits: false, exhausted: true },
		],
	])("%s", (_, usage, expected) => {
		expect({
			full: isPlanQuotaFull(usage),
			credits: hasCredits(usage),
			onCredits: isOnCredits(usage),
			exhausted: isUsageExhausted(usage),
		}).toEqual(expected);
	});

	it("exhaustedUntil: the latest reset among full windows; none known → undefined, never NaN", () => {
		expect(exhaustedUntil(undefined)).toBeUndefined();
		expect(exhaustedUntil(snap({ primary: w(100, 300) }))).toBeUndefined();
		expect(exhaustedUntil(snap({ primary: w(99, 300, NOW + 5) }))).toBeUndefined();
		expect(exhaustedUntil(snap({ primary: w(100, 300, NOW + 5), secondary: w(100, 10_080, NOW + 9) }))).toBe(NOW + 9);
		expect(exhaustedUntil(snap({ primary: w(100, 10_080, NOW + 9), secondary: w(100, 300, NOW + 5) }))).toBe(NOW + 9);
		expect(exhaustedUntil(snap({ primary: w(100, 300, NOW + 5), secondary: w(50, 10_080, NOW + 9) }))).toBe(NOW + 5);
		expect(exhaustedUntil(snap({ primary: w(100, 300), secondary: w(100, 10_080, NOW + 9) }))).toBe(NOW + 9);
	});
});

describe("resetWindowsDueBy", () => {
	it("resets the windows due by then (either slot), keeps the others and those of unknown reset; drops a refusal", () => {
		const usage = snap({
			primary: w(100, 10_080, NOW + 1),
			secondary: w(100, 300, NOW),
			refused: "limit reached",
			planType: "plus",
		});
		expect(resetWindowsDueBy(usage, NOW)).toEqual(
			snap({ primary: w(100, 10_080, NOW + 1), secondary: w(0, 300), planType: "plus" }),
		);
		expect(resetWindowsDueBy(usage, NOW + 1)).toEqual(
			snap({ primary: w(0, 10_080), secondary: w(0, 300), planType: "plus" }),
		);
		const unknown = snap({ primary: w(100, 300), secondary: w(20, 10_080, NOW + 9) });
		expect(resetWindowsDueBy(unknown, NOW)).toEqual(unknown);
		expect(resetWindowsDueBy(snap({}), NOW)).toEqual(snap({}));
		expect(resetWindowsDueBy(undefined, NOW)).toBeUndefined();
	});
});
