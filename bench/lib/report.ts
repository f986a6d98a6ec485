/** What every scenario hands back: table rows for people, figures for results/latest.json. */
import type { Summary } from "./stats.ts";

export interface Row {
	scenario: string;
	samples: number;
	/** Latency p50/p99 in ms, or for a single figure (RSS, throughput) `value` with its `unit`. */
	p50?: number;
	p99?: number;
	value?: number;
	unit?: string;
	/** Main-thread CPU per request, ms (`process.threadCpuUsage`), beside the time. */
	cpu?: number;
	/** Side by side with the baseline measured in the same run: differences and ratio. */
	delta?: string;
	target?: string;
	/** undefined when there is no target for this row. */
	met?: boolean;
	/** Why the row was not measured (e.g. too slow for --quick). */
	skipped?: string;
}

export interface ScenarioResult {
	name: string;
	rows: Row[];
	/** Requests that ended in an error or without text, where none should. */
	errors: number;
	figures: Record<string, unknown>;
}

export interface Comparison {
	/** p50/p99 of the measured arm minus those of the baseline arm sampled alongside it. */
	deltaP50: number;
	deltaP99: number;
	/** p50 of the measured arm divided by the baseline's. */
	ratioP50: number;
}

export function compare(measured: Summary, baseline: Summary): Comparison {
	return {
		deltaP50: round3(measured.p50 - baseline.p50),
		deltaP99: round3(measured.p99 - baseline.p99),
		ratioP50: round3(measured.p50 / baseline.p50),
	};
}

export function describeComparison(c: Comparison, against = "baseline"): string {
	return `${signed(c.deltaP50)} p50 / ${signed(c.deltaP99)} p99 ms (×${c.ratioP50.toFixed(2)} ${against})`;
}

/** Main-thread CPU per request against the reference's: `CPU +8 % vs direct`. */
export function describeCpu(measured: number | undefined, reference: number | undefined, against = "direct"): string {
	if (measured === undefined || reference === undefined || reference <= 0) return "";
	return `CPU ${signed(((measured - reference) / reference) * 100, 0)} % vs ${against} (${reference.toFixed(2)} ms)`;
}

/** Within `slack` (0.1 = 10 %) of the reference's CPU per request. */
export function cpuWithin(measured: number | undefined, reference: number | undefined, slack = 0.1): boolean {
	return measured !== undefined && reference !== undefined && measured <= reference * (1 + slack);
}

export function signed(value: number, digits = 2): string {
	return `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`;
}

function round3(value: number): number {
	return Math.round(value * 1000) / 1000;
}
