/**
 * An account's last 7 days of weekly usage as a small text chart: 9 lines of at most 80 columns,
 * so it fits pi's widget and a standard terminal. One column per 2.4 hours shows the highest use
 * seen then; the row below names the days.
 */
import type { UsageSample } from "../store/usage-sample.ts";

const DAY = 24 * 60 * 60_000;
const BLOCKS = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];

export interface ChartOptions {
	days?: number;
	/** Plot columns (default 70: ten a day). */
	columns?: number;
	rows?: number;
	/** Day names, local time (injectable for tests). */
	dayName?: (epochMs: number) => string;
}

/** The highest weekly use per column; undefined where no sample fell. */
export function chartColumns(
	samples: readonly UsageSample[],
	now: number,
	days: number,
	columns: number,
): (number | undefined)[] {
	const start = now - days * DAY;
	const slot = (days * DAY) / columns;
	const values: (number | undefined)[] = new Array(columns).fill(undefined);
	for (const s of samples) {
		if (s.weekly === undefined || s.at < start || s.at > now) continue;
		const i = Math.min(columns - 1, Math.floor((s.at - start) / slot));
		values[i] = Math.max(values[i] ?? 0, s.weekly);
	}
	return values;
}

export function renderHistoryChart(
	title: string,
	samples: readonly UsageSample[],
	now: number,
	options: ChartOptions = {},
): string[] {
	const days = options.days ?? 7;
	const columns = options.columns ?? 70;
	const rows = options.rows ?? 6;
	const dayName = options.dayName ?? ((ms: number) => new Date(ms).toLocaleDateString("en-US", { weekday: "short" }));
	const values = chartColumns(samples, now, days, columns);
	const lines = [title];
	for (let r = 0; r < rows; r++) {
		const label = r === 0 ? "100%" : r === Math.floor(rows / 2) ? " 50%" : r === rows - 1 ? "  0%" : "    ";
		const cells = values.map((v) => {
			if (v === undefined) return " ";
			const eighths = Math.max(r === rows - 1 ? 1 : 0, Math.round((Math.min(100, v) / 100) * rows * 8));
			const level = Math.max(0, Math.min(8, eighths - (rows - 1 - r) * 8));
			return BLOCKS[level]!;
		});
		lines.push(`${label}┤${cells.join("")}`.trimEnd());
	}
	lines.push(`    └${"─".repeat(columns)}`);
	// A day's name under the column where that day starts (local midnight), where it fits.
	const axis = new Array(columns + 5).fill(" ");
	const start = now - days * DAY;
	const slot = (days * DAY) / columns;
	let free = 5;
	for (let i = 0; i < columns; i++) {
		const from = start + i * slot;
		const midnight = new Date(from);
		midnight.setHours(0, 0, 0, 0);
		if (midnight.getTime() < from) midnight.setDate(midnight.getDate() + 1);
		if (midnight.getTime() >= from + slot) continue;
		const at = 5 + i;
		const name = dayName(midnight.getTime());
		if (at < free || at + name.length > axis.length) continue;
		for (const [k, ch] of [...name].entries()) axis[at + k] = ch;
		free = at + name.length + 1;
	}
	lines.push(axis.join("").trimEnd());
	return lines;
}
