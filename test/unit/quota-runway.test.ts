import { describe, expect, it } from "vitest";
import { runwayLines } from "../../src/quota/quota-view.ts";
import { burnRate, poolRunway } from "../../src/quota/runway.ts";
import type { UsageSample } from "../../src/store/usage-sample.ts";

const NOW = new Date(2026, 0, 5, 12, 0, 0).getTime(); // a Monday, local time
const MIN = 60_000;
const HOUR = 60 * MIN;

/** One sample every `stepMin` minutes ending at NOW, weekly use from `from` rising `perHour`. */
function rising(from: number, perHour: number, hours: number, stepMin = 10, resetsAt = NOW + 48 * HOUR): UsageSample[] {
	const samples: UsageSample[] = [];
	for (let t = NOW - hours * HOUR; t <= NOW; t += stepMin * MIN) {
		samples.push({ at: t, weekly: from + ((t - (NOW - hours * HOUR)) / HOUR) * perHour, weeklyResetsAt: resetsAt });
	}
	return samples;
}

describe("burn rate", () => {
	it("is the weekly window's rise per hour over the last hours", () => {
		expect(burnRate(rising(10, 3, 4), NOW)).toBeCloseTo(3, 6);
		// Only the lookback counts: a fast start 10 hours ago is not the current pace.
		const early = rising(0, 10, 4).map((s) => ({ ...s, at: s.at - 10 * HOUR }));
		expect(burnRate([...early, ...rising(40, 1, 4)], NOW)).toBeCloseTo(1, 6);
	});

	it("starts over at a weekly reset, and needs 20 minutes of history", () => {
		const before = rising(90, 2, 3).map((s) => ({ ...s, at: s.at - 3 * HOUR }));
		const after = rising(0, 0.5, 2, 10, NOW + 7 * 24 * HOUR);
		expect(burnRate([...before, ...after], NOW)).toBeCloseTo(0.5, 6);
		expect(burnRate(rising(10, 3, 0.25), NOW)).toBeUndefined();
		expect(burnRate([], NOW)).toBeUndefined();
		// Use never falls within a cycle; a rounding wobble does not make a negative rate.
		expect(
			burnRate(
				[
					{ at: NOW - HOUR, weekly: 10.2 },
					{ at: NOW, weekly: 10 },
				],
				NOW,
			),
		).toBe(0);
	});
});

describe("pool runway", () => {
	it("adds the accounts' remaining quota and burn; says when the pool runs dry and which reset comes first", () => {
		const runway = poolRunway(
			[
				{ id: "a", label: "work", weeklyUsed: 40, burn: 2, weeklyResetsAt: NOW + 30 * HOUR },
				{ id: "b", label: "home", weeklyUsed: 80, burn: 2, weeklyResetsAt: NOW + 10 * HOUR },
			],
			NOW,
		);
		// 60 + 20 = 80 points left at 4 points an hour: 20 hours.
		expect(runway).toEqual({
			remainingPercent: 40,
			burnPercentPerHour: 2,
			dryAt: NOW + 20 * HOUR,
			firstReset: { label: "home", at: NOW + 10 * HOUR, beforeDry: true },
		});
		expect(runwayLines(runway, NOW)).toEqual([
			"pool: 40% of weekly quota left, burning 2.0%/h: dry Tue 08:00",
			"first weekly reset: home 22:00, before it runs dry",
		]);
	});

	it("a slow pool burn is written as the table's column writes it, not rounded to 0.0%/h", () => {
		const slow = poolRunway([{ id: "a", label: "work", weeklyUsed: 40, burn: 0.05 }], NOW);
		expect(runwayLines(slow, NOW)[0]).toMatch(/^pool: 60% of weekly quota left, burning 0\.05%\/h: dry /);
	});

	it("a hard cap is the account's limit; no burn means no dry time", () => {
		const capped = poolRunway(
			[{ id: "a", label: "work", weeklyUsed: 40, burn: 5, limit: 50, weeklyResetsAt: NOW + 100 * HOUR }],
			NOW,
		);
		expect(capped).toMatchObject({ remainingPercent: 10, dryAt: NOW + 2 * HOUR, firstReset: { beforeDry: false } });
		expect(runwayLines(capped, NOW)[1]).toBe("first weekly reset: work Fri 16:00, after it runs dry");
		const idle = poolRunway([{ id: "a", label: "work", weeklyUsed: 40 }], NOW);
		expect(idle).toEqual({ remainingPercent: 60 });
		expect(runwayLines(idle, NOW)).toEqual(["pool: 60% of weekly quota left; burn rate not known yet"]);
		expect(poolRunway([], NOW)).toBeUndefined();
	});
});
