/** The run's figures as tables for people, and the one-line watch-vs-read conclusion. */
import type { MachineInfo } from "../lib/machine.ts";
import type { Summary } from "../lib/stats.ts";
import type { Figures, LockSummary } from "./analyze.ts";
import type { MultiprocessOptions } from "./args.ts";
import type { RunResult } from "./run.ts";
import type { Spread, StoreArmFigures, StoreFigures } from "./store-figures.ts";

export interface MultiprocessReport {
	machine: MachineInfo;
	options: Omit<MultiprocessOptions, "json" | "out" | "raw">;
	durationMs: number;
	run: Omit<RunResult, "raw">;
	conclusion: string;
	/** Issue 10's store figures (new pool database, and the old store when measured). */
	store?: StoreFigures & { measuredAt: string; machine: MachineInfo };
}

/** The store figures, old and new side by side, with the issue's targets. */
export function formatStoreFigures(store: StoreFigures): string {
	const old = "error" in store.old ? undefined : store.old;
	const cell = (s: Spread | undefined, key: "p50" | "p99" = "p50") => (s ? `${s[key]} ms` : "-");
	const rows: [string, (a: StoreArmFigures) => Spread, "p50" | "p99", string, (n: StoreArmFigures) => boolean][] = [
		["lease hand-off p50", (a) => a.handoffMs, "p50", "", () => true],
		["lease hand-off p99", (a) => a.handoffMs, "p99", "≤ 20 ms", (n) => n.handoffMs.p99 <= 20],
		[
			"dead-holder takeover (max)",
			(a) => a.deadHolderTakeoverMs,
			"p99",
			"≤ 1000 ms",
			(n) => n.deadHolderTakeoverMs.max <= 1000,
		],
		["exit mid-write → next writer p50", (a) => a.exitToNextWriterMs, "p50", "", () => true],
		["refresh answer → on disk p50", (a) => a.refreshToDiskMs, "p50", "", () => true],
		["refresh answer → on disk p99", (a) => a.refreshToDiskMs, "p99", "", () => true],
	];
	const lines = ["| figure | old store | new store | target | met? |", "| --- | --- | --- | --- | --- |"];
	for (const [name, pick, key, target, met] of rows) {
		lines.push(
			`| ${name} | ${cell(old && pick(old), key)} | ${cell(pick(store.new), key)} | ${target} | ${target ? (met(store.new) ? "yes" : "NO") : ""} |`,
		);
	}
	const cs = (a: StoreArmFigures | undefined) =>
		a
			? `${a.coldStart.failures} failures; answer p50 ${a.coldStart.answerMs.p50} / p99 ${a.coldStart.answerMs.p99} ms (1 process: ${a.coldStart.aloneMs.p50} ms)`
			: "-";
	lines.push(
		`| cold start, ${store.new.coldStart.procs} processes, expired tokens | ${cs(old)} | ${cs(store.new)} | 0 failures | ${store.new.coldStart.failures === 0 ? "yes" : "NO"} |`,
	);
	return lines.join("\n");
}

interface Line {
	figure: string;
	stats?: Summary;
	value?: string;
	target?: string;
	met?: boolean;
}

const PROPAGATION_TARGET_MS = 1000;

export function formatReport(report: MultiprocessReport): string {
	const f = report.run.figures;
	const m = report.machine;
	const o = report.options;
	const header = [
		`pi-dispatch multi-process bench — ${m.date}, ${(report.durationMs / 1000).toFixed(1)} s${o.quick ? " (--quick)" : ""}`,
		`${m.cpuModel}, ${m.cores} cores, load ${m.loadAverage.join("/")}; node ${m.node}; pi-ai ${m.piAi}; ` +
			`commit ${m.gitCommit.slice(0, 10)}${m.gitDirty ? " (dirty tree)" : ""}`,
		`${o.procs} processes × ${o.streams} streams (${o.concurrency} at a time each) over ${o.accounts} accounts; ` +
			`${f.exhaustion.account} runs dry after ${report.run.exhaustAfter} streams; usage writes every ` +
			`${o.usagePersistMs === undefined ? "30 s (production)" : `${o.usagePersistMs} ms`}; ` +
			`start-up ${(report.run.startupMs / 1000).toFixed(1)} s.`,
	].join("\n");
	return [
		header,
		"",
		table(lines(f)),
		"",
		`Requests to ${f.exhaustion.account} after its exhaustion was known (first 429), per process:`,
		"",
		processTable(f),
		"",
		`Conclusion: ${report.conclusion}`,
	].join("\n");
}

function lines(f: Figures): Line[] {
	const s = f.streams;
	const e = f.exhaustion;
	const lw = f.lockWaits;
	const dupLost = s.badTexts + s.upstreamLost + s.upstreamDuplicated;
	return [
		{ figure: "streams completed", value: `${s.ok} / ${s.expected}`, target: "all", met: s.ok === s.expected },
		{ figure: "errors", value: String(s.errors), target: "0", met: s.errors === 0 },
		{
			figure: "texts lost or duplicated",
			value: `${s.badTexts} (upstream: ${s.upstreamLost} lost, ${s.upstreamDuplicated} twice)`,
			target: "0",
			met: dupLost === 0,
		},
		{ figure: "stream latency (call → done)", stats: s.latencyMs },
		{ figure: `requests to ${e.account} before its first 429`, value: String(e.requestsBefore) },
		{
			figure: `requests to ${e.account} after the first 429`,
			value: e.requestsAfter
				? `${e.requestsAfter}: ${e.lateInFlight} routed before it, ${e.latePropagation} before their process ` +
					`knew (${e.lateAfterPersist} of them after it was on disk)`
				: "0",
			target: "0",
			met: e.requestsAfter === 0,
		},
		{
			figure: "  routed after their own process knew",
			value: String(e.lateAfterItKnew),
			target: "0",
			met: e.lateAfterItKnew === 0,
		},
		{ figure: "first 429 → cooldown on disk", value: ms(e.persistMs) },
		{
			figure: "first 429 → other processes stop routing",
			stats: e.knewMs,
			value: e.notLearnt ? `${e.notLearnt} never learnt` : "however each learnt",
			target: `≤ ${PROPAGATION_TARGET_MS} ms`,
			met: e.notLearnt === 0 && e.knewMs.count > 0 && e.knewMs.max <= PROPAGATION_TARGET_MS,
		},
		{
			figure: "  those told by the store",
			stats: e.propagationMs,
			value: `${e.propagationMs.count} of ${e.processes.length - 1}; the others hit its 429 first`,
		},
		{ figure: "  those: on disk → routing off it", stats: e.watchMs },
		{ figure: "on disk → watch-driven reload read it", stats: e.reloadReadMs, value: "every process" },
		{ figure: "on disk → a read before routing read it", stats: e.probeReadMs, value: "every process, alternative" },
		{
			figure: "on disk → a stat gate before routing read it",
			stats: e.gateReadMs,
			value: "every process, alternative",
		},
		{
			figure: "store.read() before routing (alternative)",
			stats: f.readMs,
			value: `event-loop delay ${ms(f.loopDelayMs.p50)} p50 / ${ms(f.loopDelayMs.p99)} p99`,
		},
		{ figure: "  the same read, before the children start", stats: f.idleReadMs, value: "bench process, sequential" },
		{
			figure: "stat gate before routing (alternative)",
			stats: f.statMs,
			value: "statSync of pool.db-wal; a read-only query on change",
		},
		...lockLines("streams", lw.run),
		...lockLines("start-up", lw.startup),
		{
			figure: "store updates failed",
			value: failures(lw.run, lw.startup),
			target: "0",
			met: lw.run.failed + lw.startup.failed === 0,
		},
		{ figure: "wall time (barrier → last stream)", value: `${(f.wallMs / 1000).toFixed(2)} s` },
		{ figure: "throughput", value: `${f.throughputPerS} streams/s` },
	];
}

function lockLines(phase: string, l: LockSummary): Line[] {
	const rows: Line[] = [
		{
			figure: `lock wait, data lock (${phase})`,
			stats: l.data,
			value: `${l.writes} writes, ${l.contended} contended, max ${l.maxAttempts} attempts`,
		},
		{
			figure: `  lock held per write (${phase})`,
			stats: l.holdMs,
			value: "BEGIN IMMEDIATE → committed",
		},
	];
	if (l.account.count > 0) rows.push({ figure: `lock wait, refresh locks (${phase})`, stats: l.account });
	return rows;
}

function failures(run: LockSummary, startup: LockSummary): string {
	const failed = run.failed + startup.failed;
	if (failed === 0) return "0";
	const errors = [...new Set([...run.errors, ...startup.errors])].join(", ");
	return `${startup.failed} start-up + ${run.failed} streams (${errors}); their writes are lost`;
}

function table(rows: readonly Line[]): string {
	const head = ["figure", "n", "p50", "p99", "max", "value", "target", "met?"];
	const cells = rows.map((r) => [
		r.figure,
		r.stats ? String(r.stats.count) : "",
		r.stats ? ms(r.stats.p50) : "",
		r.stats ? ms(r.stats.p99) : "",
		r.stats ? ms(r.stats.max) : "",
		r.value ?? "",
		r.target ?? "",
		r.met === undefined ? "" : r.met ? "yes" : "NO",
	]);
	return align(head, cells);
}

function processTable(f: Figures): string {
	const e = f.exhaustion;
	const head = [
		"process",
		"learnt via",
		"knew after",
		"late requests",
		"routed (ms after the first 429)",
		"arrived (ms after the first 429)",
	];
	const cells = e.processes.map((p) => {
		const mine = e.late.filter((l) => l.process === p.process);
		const arrived = mine.map((l) => l.afterKnownMs);
		const routed = mine.map((l) => (l.routedAfterKnownMs === undefined ? "?" : signedMs(l.routedAfterKnownMs)));
		return [
			`p${p.process}${p.process === e.knownBy ? " (first 429)" : ""}`,
			p.via,
			ms(p.seenAfterMs),
			String(p.lateRequests),
			routed.join(", "),
			arrived.join(", "),
		];
	});
	return align(head, cells);
}

function align(head: readonly string[], cells: readonly string[][]): string {
	const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
	const line = (values: readonly string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
	const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
	return [line(head), rule, ...cells.map(line)].join("\n");
}

function signedMs(value: number): string {
	return `${value > 0 ? "+" : ""}${value}`;
}

function ms(value: number | undefined): string {
	if (value === undefined || !Number.isFinite(value)) return "n/a";
	return `${value.toFixed(value >= 100 ? 0 : 2)} ms`;
}

/**
 * Watch vs a read before each routing decision. Both start from the cooldown on disk; the read sees
 * it at the process's next routing decision, the watch at its reload (then the actor echoes it to
 * the routing view). The read is paid on every stream, the watch only per write.
 */
export function conclude(f: Figures): string {
	const e = f.exhaustion;
	if (e.reloadReadMs.count === 0 || e.probeReadMs.count === 0) {
		return "the cooldown never reached the store in the streams phase; nothing to compare.";
	}
	const span = (x: Summary) => `${ms(x.p50)} p50 / ${ms(x.max)} max`;
	const cost = (x: Summary) => `${ms(x.p50)} p50 / ${ms(x.p99)} p99`;
	const watch = `after the cooldown hit the disk, the file watch had it read in every process ${span(e.reloadReadMs)} later`;
	const read = `store.read() before each routing decision ${span(e.probeReadMs)} later for ${cost(f.readMs)} per stream`;
	const gate = `a stat gate ${span(e.gateReadMs)} later for ${cost(f.statMs)} per stream`;
	const meets = e.notLearnt === 0 && e.knewMs.max <= PROPAGATION_TARGET_MS;
	const verdict = meets
		? "every process stopped within the 1 s target: keep the watch"
		: "some process took over 1 s to stop: the file-to-routing path needs to be faster";
	const gateWins = e.gateReadMs.count > 0 && e.gateReadMs.p50 < e.reloadReadMs.p50;
	const addGate = gateWins
		? "; if a cheap read is added, make it the stat gate (sooner than the watch at a fraction of a store.read())"
		: "; a read before routing would not have learnt sooner";
	return `${watch}; ${read}; ${gate} — ${verdict}${addGate}.`;
}
