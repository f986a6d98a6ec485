/** The start-up report: target verdicts and the tables printed and put in the README. */
import type { MachineInfo } from "../lib/machine.ts";
import type { StartupOptions, StartupRun } from "./run.ts";

export interface Verdict {
	target: string;
	measured: string;
	met: boolean;
}

export interface StartupReport {
	machine: MachineInfo;
	options: StartupOptions;
	durationMs: number;
	run: StartupRun;
	verdicts: Verdict[];
}

const WALL_BUDGET_MS = 100;
const RSS_PER_SERVING_ACTOR_MB = 8;
const RSS_BUDGET_16_MB = 25;

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "n/a");

/** The targets, against pi alone measured in the same run. */
export function verdicts(run: StartupRun): Verdict[] {
	const alone = run.piRuns.find((r) => r.accounts === 0);
	const out: Verdict[] = [];
	if (alone) {
		for (const arm of run.piRuns.filter((r) => r.accounts > 0 && !r.reference)) {
			const dWall = arm.wallMs.p50 - alone.wallMs.p50;
			out.push({
				target: `wall p50 ≤ pi alone + ${WALL_BUDGET_MS} ms (${arm.accounts} acct)`,
				measured: `+${f0(dWall)} ms`,
				met: dWall <= WALL_BUDGET_MS,
			});
			// One prompt: one actor serves, whatever the account count.
			const budget = arm.accounts >= 16 ? RSS_BUDGET_16_MB : RSS_PER_SERVING_ACTOR_MB;
			const dRss = arm.peakRssMB.p50 - alone.peakRssMB.p50;
			out.push({
				target: `peak RSS p50 ≤ pi alone + ${budget} MB (${arm.accounts} acct, one serves)`,
				measured: `+${f1(dRss)} MB`,
				met: dRss <= budget,
			});
		}
	}
	const fleet = run.fleet;
	out.push({
		target: `${fleet.processes}×${fleet.accounts}: ≤ 1 wham/usage call per account per poll interval`,
		measured: `max ${fleet.usageCallsPerAccount.max}, median ${fleet.usageCallsPerAccount.median} in ${f1(fleet.windowMs / 1000)} s (interval ${fleet.usagePollMs / 60_000} min)`,
		met: fleet.usageCallsPerAccount.max <= 1,
	});
	out.push({
		target: `${fleet.processes}×${fleet.accounts}: ≤ 2 worker threads per process, steady single-account use`,
		measured: `max ${fleet.workerThreadsMaxPerProcess}, total ${fleet.workerThreads}`,
		met: fleet.workerThreadsMaxPerProcess <= 2,
	});
	return out;
}

function table(header: string[], rows: string[][]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
	return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function formatReport(report: StartupReport): string {
	const { run, machine } = report;
	const alone = run.piRuns.find((r) => r.accounts === 0);
	const piTable = table(
		[
			"arm",
			"runs",
			"wall p50",
			"wall p90",
			"× pi alone",
			"Δ wall p50",
			"peak RSS p50",
			"peak RSS p90",
			"Δ RSS p50",
			"errors",
		],
		run.piRuns.map((r) => [
			r.arm,
			String(r.runs),
			`${f0(r.wallMs.p50)} ms`,
			`${f0(r.wallMs.p90)} ms`,
			alone ? `×${(r.wallMs.p50 / alone.wallMs.p50).toFixed(2)}` : "",
			alone && r !== alone ? `+${f0(r.wallMs.p50 - alone.wallMs.p50)} ms` : "",
			`${f1(r.peakRssMB.p50)} MB`,
			`${f1(r.peakRssMB.p90)} MB`,
			alone && r !== alone ? `+${f1(r.peakRssMB.p50 - alone.peakRssMB.p50)} MB` : "",
			String(r.errors),
		]),
	);
	const actorTable = table(
		["actor worker", "actors at once", "samples", "start → ready p50", "p90", "RSS / actor p50", "p90", "errors"],
		run.actorCost.map((r) => [
			r.arm,
			String(r.actors),
			String(r.samples),
			`${f0(r.readyMs.p50)} ms`,
			`${f0(r.readyMs.p90)} ms`,
			`${f1(r.rssPerActorMB.p50)} MB`,
			`${f1(r.rssPerActorMB.p90)} MB`,
			String(r.errors),
		]),
	);
	const mainTable = table(
		["main thread (PI_TIMING=1)", "runs", "extension module import p50", "p90", "createAgentSessionRuntime p50"],
		run.mainThread.map((r) => [
			r.arm,
			String(r.runs),
			`${f0(r.moduleImportMs.p50)} ms`,
			`${f0(r.moduleImportMs.p90)} ms`,
			`${f0(r.sessionRuntimeMs.p50)} ms`,
		]),
	);
	const fl = run.fleet;
	const fleetText = [
		`${fl.processes} pi processes × ${fl.accounts} accounts (RPC mode, one prompt each, ${fl.steadyMs} ms idle):`,
		`  worker threads beyond pi alone's ${fl.baseline.threads}: total ${fl.workerThreads}, max ${fl.workerThreadsMaxPerProcess} per process`,
		`  RSS: total ${f0(fl.totalRssMB)} MB (pi alone ${f1(fl.baseline.rssMB)} MB each)`,
		`  wham/usage calls per account in ${f1(fl.windowMs / 1000)} s: max ${fl.usageCallsPerAccount.max}, median ${fl.usageCallsPerAccount.median}, total ${fl.usageCallsPerAccount.total}`,
		...(fl.killedOnShutdown ? [`  still running 10 s after stdin closed (killed): ${fl.killedOnShutdown}`] : []),
		...(fl.errors.length ? [`  errors: ${fl.errors.length} (${fl.errors[0]})`] : []),
	].join("\n");
	const verdictTable = table(
		["target", "measured", "met?"],
		report.verdicts.map((v) => [v.target, v.measured, v.met ? "yes" : "NO"]),
	);
	return [
		`${machine.date} · ${machine.cpuModel}, ${machine.cores} cores · load ${machine.loadAverage.join(" ")} · Node ${machine.node} · pi-ai ${machine.piAi} · ${machine.gitCommit.slice(0, 8)}${machine.gitDirty ? "+dirty" : ""}`,
		`pi: ${run.pi}; model ${[...new Set(run.piRuns.flatMap((r) => r.models))].join(", ")}; peak RSS from ${run.peakRssSource}; worker bundle ${(run.workerBundle.bytes / 1024).toFixed(0)} KiB`,
		"",
		piTable,
		"",
		actorTable,
		"",
		mainTable,
		"",
		fleetText,
		"",
		verdictTable,
	].join("\n");
}
