/** Small text helpers for what the commands print: durations, percentages, one-line messages. */
import { longestWindow, type UsageSnapshot, windowLabel } from "../usage/usage-snapshot.ts";

/** "45s", "3m", "2h 5m", "3d 4h". */
export function formatDuration(ms: number): string {
	const s = Math.max(0, Math.floor(ms / 1000));
	if (s < 60) return `${s}s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m}m`;
	const h = Math.floor(m / 60);
	if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
	const d = Math.floor(h / 24);
	return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** "week 42%", "30d 12%": the longest window's use, named by its length. */
export function longWindowText(usage: UsageSnapshot | undefined): string | undefined {
	const window = longestWindow(usage);
	if (!window) return undefined;
	const label = window.windowMinutes === 10080 ? "week" : windowLabel(window.windowMinutes);
	return `${label} ${formatPercent(window.usedPercent)}`;
}

export function formatPercent(value: number): string {
	return `${Math.round(value)}%`;
}

/**
 * Error text as one line without secrets: a JWT, a bearer token or a `*_token` value never reaches
 * the screen, even when some upstream message quoted one.
 */
export function safeOneLine(text: string, maxLength = 600): string {
	const clean = text
		.replace(/eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, "[token]")
		.replace(/\b(Bearer)\s+\S+/gi, "$1 [token]")
		.replace(/\b((?:access|refresh|id)_token)(["']?\s*[:=]\s*["']?)[^\s"'&,}]+/gi, "$1$2[token]")
		.replace(/\s*[\r\n]+\s*/g, " ")
		.trim();
	return clean.length > maxLength ? `${clean.slice(0, maxLength - 1)}…` : clean;
}

/** Columns padded to their widest cell, two spaces apart, trailing blanks trimmed. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
	const line = (cells: readonly string[]) =>
		cells
			.map((cell, i) => cell.padEnd(widths[i] ?? 0))
			.join("  ")
			.trimEnd();
	return [line(header), ...rows.map(line)];
}

/** A burn rate: "12%/h", "1.2%/h", "0.05%/h" (the status table's column and the pool's runway line). */
export function burnText(percentPerHour: number): string {
	const value =
		percentPerHour >= 10
			? percentPerHour.toFixed(0)
			: percentPerHour >= 0.1
				? percentPerHour.toFixed(1)
				: percentPerHour.toFixed(2);
	return `${value}%/h`;
}
