/**
 * Prints the result rows as one aligned table (scenario | samples | p50 | p99 | main CPU/req | Δ | target | met?),
 * in the Markdown shape Biome formats, so it pastes into bench/README.md unchanged.
 */
import type { Row } from "./report.ts";

const HEADERS = ["scenario", "samples", "p50", "p99", "main CPU/req", "Δ vs baseline (same run)", "target", "met?"];

export function formatTable(rows: readonly Row[]): string {
	const cells = rows.map((row) => [
		row.scenario,
		row.skipped ? "—" : String(row.samples),
		row.skipped ? "skipped" : first(row),
		row.skipped ? "" : row.p99 === undefined ? "" : ms(row.p99),
		row.cpu === undefined ? "" : ms(row.cpu),
		row.skipped ?? row.delta ?? "",
		row.target ?? "",
		row.met === undefined ? "" : row.met ? "yes" : "NO",
	]);
	const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
	const line = (values: readonly string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
	const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
	return [line(HEADERS), rule, ...cells.map(line)].join("\n");
}

function first(row: Row): string {
	if (row.value !== undefined) return `${row.value.toFixed(row.value >= 100 ? 0 : 2)} ${row.unit ?? ""}`.trim();
	return row.p50 === undefined ? "" : ms(row.p50);
}

function ms(value: number): string {
	if (!Number.isFinite(value)) return "n/a";
	return `${value.toFixed(value >= 100 ? 0 : 2)} ms`;
}
