import { describe, expect, it } from "vitest";
import { chartColumns, renderHistoryChart } from "../../src/quota/history-chart.ts";
import type { UsageSample } from "../../src/store/usage-sample.ts";

const NOW = new Date(2026, 0, 5, 12, 0, 0).getTime(); // Monday noon, local time
const HOUR = 3_600_000;

describe("history chart", () => {
	it("draws 7 days in 70 columns, the highest use per column, days named where they start", () => {
		// Used rising 0 → 98 % over the week, one sample an hour; nothing recorded on the first day.
		const samples: UsageSample[] = [];
		for (let h = 7 * 24; h >= 0; h--)
			if (h < 6 * 24) samples.push({ at: NOW - h * HOUR, weekly: ((144 - h) / 144) * 98 });
		const lines = renderHistoryChart("work: weekly use", samples, NOW);
		expect(lines).toHaveLength(9);
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
		expect(lines[0]).toBe("work: weekly use");
		// The first day has no data: blank; the last column is nearly full.
		const plot = lines.slice(1, 7).map((l) => l.slice(5).padEnd(70));
		expect(plot.every((row) => row.slice(0, 10).trim() === "")).toBe(true);
		expect(plot[0]!.at(-1)).toMatch(/[▇█]/);
		expect(plot[5]!.at(-1)).toBe("█");
		expect(lines[1]).toMatch(/^100%┤/);
		expect(lines[4]).toMatch(/^ 50%┤/);
		expect(lines[6]).toMatch(/^ {2}0%┤/);
		expect(lines[7]).toBe(`    └${"─".repeat(70)}`);
		// Noon Monday minus 7 days: the first midnight is Tuesday's, 12 hours (5 columns) in.
		expect(lines[8]).toMatch(/^ {10}Tue {7}Wed {7}Thu {7}Fri {7}Sat {7}Sun {7}Mon$/);
	});

	it("keeps the highest sample of a column and drops samples outside the week", () => {
		const values = chartColumns(
			[
				{ at: NOW - 8 * 24 * HOUR, weekly: 99 },
				{ at: NOW - 1000, weekly: 30 },
				{ at: NOW - 2000, weekly: 40 },
				{ at: NOW - HOUR, short: 5 },
			],
			NOW,
			7,
			70,
		);
		expect(values.filter((v) => v !== undefined)).toEqual([40]);
		expect(values.at(-1)).toBe(40);
	});
});
