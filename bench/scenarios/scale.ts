/**
 * 6. Scale: 1, 10 and 100 concurrent streams over 1, 4 and 16 accounts, dispatcher and pi-ai direct
 * side by side, 1 s each in alternating slices (direct spreads its clients over the same accounts
 * round-robin): throughput, main-thread CPU per stream, TTFT p99, event-loop delay p99, errors. Each client is its own pi session, so sessions
 * stick to accounts as they do in pi; the dispatcher's p-queue bound (256 in flight overall, none
 * per account by default) applies, direct has none. Then, in fresh processes (probes/actor-probe.ts): actor cold start
 * (supervisor start → each actor ready) and RSS per actor ((RSS with N actors − RSS before) / N),
 * from the compiled worker (what an installed package runs) and, for one actor, from the .ts source.
 */
import { sampleCount } from "../lib/args.ts";
import { benchContext, directStream } from "../lib/client.ts";
import { closedLoop, closedLoops, type LoadResult } from "../lib/closed-loop.ts";
import { runActorProbe } from "../lib/probe.ts";
import type { ProbeResult, WorkerKind } from "../lib/probe-protocol.ts";
import { cpuWithin, describeCpu, type Row } from "../lib/report.ts";
import { accountInits, startRig } from "../lib/rig.ts";
import type { Scenario, ScenarioContext } from "../lib/scenario.ts";
import { summarize } from "../lib/stats.ts";

const CONCURRENCY = [1, 10, 100];
const TARGET_DELAY_MS = 5;
/** Throughput against pi-ai direct in the same run: at 1 stream, and at 100. */
const TARGET_RATIO_ONE_STREAM = 0.9;
const TARGET_RATIO_100_STREAMS = 0.95;
const TARGET_COLD_START_MS = 100;
const TARGET_RSS_MB = 15;
const MB = 1024 * 1024;

interface Combo {
	accounts: number;
	concurrency: number;
	direct: LoadResult;
	dispatcher: LoadResult;
}

export const scale: Scenario = {
	name: "scale",
	async run(context) {
		const accountCounts = context.options.quick ? [1, 4] : [1, 4, 16];
		const probes: ProbeResult[] = [];
		for (const n of context.options.quick ? [1] : accountCounts) probes.push(await probe(context, n, "build"));
		// The same start-up from the .ts source, which Node runs with type stripping (pi -e src/…).
		probes.push(await probe(context, 1, "source"));
		const combos: Combo[] = [];
		for (const n of accountCounts) combos.push(...(await load(context, n)));
		const rows = [...combos.map(comboRow), ...probes.flatMap(probeRows)];
		return {
			name: "scale",
			errors: combos.reduce((sum, c) => sum + c.dispatcher.errors + c.direct.errors, 0),
			figures: {
				combos,
				probes: probes.map((p) => ({
					...p,
					readyMs: summarize(p.readyMs),
					rssPerActorMB: rssPerActor(p),
				})),
			},
			rows,
		};
	},
};

async function load({ upstream, options, log }: ScenarioContext, accounts: number): Promise<Combo[]> {
	// --samples scales the load time: one "sample" is 10 ms of load per arm.
	const durationMs = sampleCount(options, 100, 10) * 10;
	const tokens = await upstream.addAccounts(accountInits(`scale${accounts}`, accounts));
	const rig = await startRig(upstream, tokens, { supervisor: { random: Math.random } });
	const context = benchContext();
	const combos: Combo[] = [];
	try {
		for (const concurrency of CONCURRENCY) {
			log(`scale: ${concurrency} streams over ${accounts} account(s)`);
			await closedLoop(concurrency, 50, (client) => rig.stream(context, { sessionId: `client-${client}` }));
			// Alternating slices (A B B A …), so that other load on the machine falls on both arms alike.
			const { direct, dispatcher } = await closedLoops(
				{
					direct: (client) => directStream(rig.model, context, tokens[client % accounts]!.tokens.access),
					dispatcher: (client) => rig.stream(context, { sessionId: `client-${client}` }),
				},
				concurrency,
				durationMs,
				concurrency >= 100 ? 4 : 10,
			);
			combos.push({ accounts, concurrency, direct, dispatcher });
			await upstream.clearLog();
		}
	} finally {
		await rig.close();
	}
	return combos;
}

async function probe(
	{ upstream, options, log }: ScenarioContext,
	actors: number,
	worker: WorkerKind,
): Promise<ProbeResult> {
	log(`scale: cold start and RSS with ${actors} actor(s) from the ${worker}, in a fresh process`);
	const accounts = await upstream.addAccounts(accountInits(`probe-${worker}${actors}`, actors));
	const { origin, baseUrl, tokenUrl, authorizeUrl } = upstream;
	return runActorProbe({
		worker,
		upstream: { origin, baseUrl, tokenUrl, authorizeUrl },
		accounts,
		settleMs: options.quick ? 100 : 500,
	});
}

function comboRow(c: Combo): Row {
	const d = c.dispatcher;
	const ratio = d.throughput / c.direct.throughput;
	const judgeDelay = c.concurrency >= 100;
	const minRatio =
		c.concurrency === 1 ? TARGET_RATIO_ONE_STREAM : c.concurrency >= 100 ? TARGET_RATIO_100_STREAMS : undefined;
	const targets = [
		...(minRatio !== undefined ? [`≥ ×${minRatio} direct/s; CPU ≤ direct +10 %`] : []),
		...(judgeDelay ? [`loop delay p99 ≤ ${TARGET_DELAY_MS} ms`] : []),
		"0 errors",
	];
	return {
		scenario: `scale: ${c.concurrency} streams × ${c.accounts} acct: TTFT`,
		samples: d.streams,
		p50: d.ttft.p50,
		p99: d.ttft.p99,
		cpu: d.cpuPerStreamMs,
		delta:
			`${d.throughput.toFixed(0)}/s (×${ratio.toFixed(2)} direct ${c.direct.throughput.toFixed(0)}/s); ` +
			`${describeCpu(d.cpuPerStreamMs, c.direct.cpuPerStreamMs)}; ` +
			`TTFT p99 direct ${c.direct.ttft.p99.toFixed(2)}; loop delay p99 ${d.eventLoopDelay.p99.toFixed(2)} ` +
			`(direct ${c.direct.eventLoopDelay.p99.toFixed(2)}) ms; errors ${d.errors}`,
		target: targets.join("; "),
		met:
			d.errors === 0 &&
			(!judgeDelay || d.eventLoopDelay.p99 <= TARGET_DELAY_MS) &&
			(minRatio === undefined || (ratio >= minRatio && cpuWithin(d.cpuPerStreamMs, c.direct.cpuPerStreamMs))),
	};
}

function probeRows(p: ProbeResult): Row[] {
	const ready = summarize(p.readyMs);
	return [
		{
			scenario: `actor cold start, ${p.actors} at once (${p.worker}): per actor`,
			samples: p.actors,
			p50: ready.p50,
			p99: ready.p99,
			delta: `all ready after ${p.allReadyMs.toFixed(0)} ms${p.notReady ? `; ${p.notReady} not ready` : ""}`,
			target: `≤ ${TARGET_COLD_START_MS} ms per actor`,
			met: ready.p99 <= TARGET_COLD_START_MS && p.notReady === 0,
		},
		{
			scenario: `RSS per actor, ${p.actors} actor(s) (${p.worker})`,
			samples: p.actors,
			value: rssPerActor(p),
			unit: "MB",
			delta: `process RSS ${(p.rssBefore / MB).toFixed(0)} → ${(p.rssAfter / MB).toFixed(0)} MB`,
			target: `≤ ${TARGET_RSS_MB} MB`,
			met: rssPerActor(p) <= TARGET_RSS_MB,
		},
	];
}

function rssPerActor(p: ProbeResult): number {
	return Math.round(((p.rssAfter - p.rssBefore) / p.actors / MB) * 100) / 100;
}
