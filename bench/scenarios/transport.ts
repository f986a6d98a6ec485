/**
 * 8. Transport: SSE vs pi-ai's WebSocket (`transport: "websocket"`), side by side in one run, with
 * the fake upstream serving WebSocket for this scenario only (every other one runs on SSE).
 * - Loop 1, on the same two accounts: pi-ai direct over SSE, over WebSocket on a new session (new
 *   socket) and on one session throughout (reused socket); the same three through the dispatcher,
 *   one rig at the default (SSE) and one configured as `PI_DISPATCH_TRANSPORT=websocket` does.
 * - Loop 2: unknown failover (the first account answers usage-limit) through an SSE and a WebSocket
 *   dispatcher, each in a session that was on the exhausted account. Over WebSocket the limit comes
 *   only as text, without its reset, so the account cools down for the fallback time while its
 *   actor asks wham/usage: the bench shortens that guess (50 ms) so every sample starts from
 *   nothing known, as failover-unknown does with a reset a second ago on SSE.
 */
import { cleanupSessionResources } from "@earendil-works/pi-ai";
import { sampleCount, warmupCount } from "../lib/args.ts";
import { benchContext, directStream } from "../lib/client.ts";
import { interleave } from "../lib/interleave.ts";
import { compare, describeComparison, type Row, signed } from "../lib/report.ts";
import { type Rig, startRig } from "../lib/rig.ts";
import type { Scenario, ScenarioContext } from "../lib/scenario.ts";
import type { Samples, Summary } from "../lib/stats.ts";
import { newSessionArm, sameSessionArm, sessionFailoverArm, WebSocketTally } from "../lib/transport-arms.ts";
import { unknownFailoverKit } from "../lib/unknown-failover.ts";

/** Guessed cooldown after a text-only usage limit; production waits 15 minutes. */
const GUESSED_COOLDOWN_MS = 50;

export const transport: Scenario = {
	name: "transport",
	async run(context) {
		await context.upstream.setWebSocket("serve");
		try {
			const healthy = await healthyLoop(context);
			const failover = await failoverLoop(context);
			return report(healthy, failover);
		} finally {
			cleanupSessionResources(); // the reused sockets, so nothing outlives the scenario
			await context.upstream.setWebSocket("refuse");
		}
	},
};

async function healthyLoop({ upstream, options }: ScenarioContext) {
	const accounts = await upstream.addAccounts([{ accountId: "tr-1" }, { accountId: "tr-2" }]);
	const rigs: Rig[] = [];
	try {
		rigs.push(await startRig(upstream, accounts));
		rigs.push(await startRig(upstream, accounts, { transport: "websocket" }));
		const [sseRig, wsRig] = rigs as [Rig, Rig];
		const context = benchContext();
		const access = accounts[0]!.tokens.access;
		const tally = new WebSocketTally();
		const direct = (transport: "sse" | "websocket") => (sessionId: string) =>
			directStream(sseRig.model, context, access, { transport, sessionId });
		const arms = await interleave(
			{
				directSse: sameSessionArm("tr-direct-sse", "sse", tally, direct("sse")),
				directWsNew: newSessionArm("tr-direct-ws-new", "websocket", tally, direct("websocket")),
				directWsSame: sameSessionArm("tr-direct-ws", "websocket", tally, direct("websocket")),
				dispatcherSse: sameSessionArm("tr-dispatcher-sse", "sse", tally, (id) =>
					sseRig.stream(context, { sessionId: id }),
				),
				dispatcherWsNew: newSessionArm("tr-dispatcher-ws-new", "websocket", tally, (id) =>
					wsRig.stream(context, { sessionId: id }),
				),
				dispatcherWsSame: sameSessionArm("tr-dispatcher-ws", "websocket", tally, (id) =>
					wsRig.stream(context, { sessionId: id }),
				),
			},
			{ rounds: sampleCount(options, 300, 5), warmup: warmupCount(options) },
		);
		const hits = await Promise.all(accounts.map((a) => upstream.hits(a.accountId)));
		const overWs = hits.reduce((sum, h) => sum + h.websocket, 0);
		return { arms, sseFallbacks: tally.sent - overWs };
	} finally {
		for (const rig of rigs) await rig.close();
	}
}

async function failoverLoop({ upstream, options }: ScenarioContext) {
	const settleMs = options.quick ? 2 : 10;
	const supervisor = { actor: { fallbackCooldownMs: GUESSED_COOLDOWN_MS } };
	const sse = await unknownFailoverKit(upstream, "trf-sse", settleMs, { supervisor });
	try {
		const ws = await unknownFailoverKit(upstream, "trf-ws", settleMs, { supervisor, transport: "websocket" });
		try {
			return await interleave(
				{
					direct: sse.direct,
					sse: sessionFailoverArm(upstream, sse, "sse"),
					websocket: sessionFailoverArm(upstream, ws, "websocket"),
				},
				{
					rounds: sampleCount(options, 150, 5),
					warmup: warmupCount(options),
					after: (arm) => (arm === "sse" ? sse.settle() : arm === "websocket" ? ws.settle() : Promise.resolve()),
				},
			);
		} finally {
			await ws.close();
		}
	} finally {
		await sse.close();
	}
}

type HealthyArms = Awaited<ReturnType<typeof healthyLoop>>;
type FailoverArms = Awaited<ReturnType<typeof failoverLoop>>;

function report({ arms, sseFallbacks }: HealthyArms, failover: FailoverArms) {
	const s = summaries(arms);
	const f = summaries(failover);
	const row = (scenario: string, summary: Summary, delta: string): Row => ({
		scenario: `transport: ${scenario}: TTFT`,
		samples: summary.count,
		p50: summary.p50,
		p99: summary.p99,
		...(summary.cpuMs !== undefined ? { cpu: summary.cpuMs } : {}),
		delta,
	});
	const vs = (a: Summary, b: Summary, against: string) => describeComparison(compare(a, b), against);
	const overhead = (a: Summary, b: Summary) => `dispatcher ${signed(a.p50 - b.p50)} ms p50 over direct`;
	const perTurn = s.dispatcherWsSame.p50 - s.dispatcherSse.p50;
	const firstTurn = s.dispatcherWsNew.p50 - s.dispatcherSse.p50;
	const onFailover = f.websocket.p50 - f.sse.p50;
	const rows: Row[] = [
		row("pi-ai direct, SSE", s.directSse, "(reference)"),
		row("pi-ai direct, WebSocket, new session", s.directWsNew, vs(s.directWsNew, s.directSse, "SSE")),
		row("pi-ai direct, WebSocket, socket reused", s.directWsSame, vs(s.directWsSame, s.directSse, "SSE")),
		row("dispatcher, SSE (default)", s.dispatcherSse, vs(s.dispatcherSse, s.directSse, "direct SSE")),
		row(
			"dispatcher, WebSocket, new session",
			s.dispatcherWsNew,
			`${vs(s.dispatcherWsNew, s.dispatcherSse, "dispatcher SSE")}; ${overhead(s.dispatcherWsNew, s.directWsNew)}`,
		),
		row(
			"dispatcher, WebSocket, socket reused",
			s.dispatcherWsSame,
			`${vs(s.dispatcherWsSame, s.dispatcherSse, "dispatcher SSE")}; ${overhead(s.dispatcherWsSame, s.directWsSame)}`,
		),
		row("failover unknown, SSE", f.sse, vs(f.sse, f.direct, "direct SSE")),
		row(
			"failover unknown, WebSocket",
			f.websocket,
			`${vs(f.websocket, f.sse, "SSE failover")}; ${signed(f.websocket.p50 - f.direct.p50)} ms p50 over direct SSE`,
		),
		{
			scenario: "transport: dispatcher p50, WebSocket reused ÷ SSE",
			samples: s.dispatcherWsSame.count,
			value: Math.round((s.dispatcherWsSame.p50 / s.dispatcherSse.p50) * 100) / 100,
			unit: "×",
			delta: verdict(perTurn, firstTurn, onFailover),
		},
	];
	const all = [...Object.values<Samples>(arms), ...Object.values<Samples>(failover)];
	return {
		name: "transport" as const,
		errors: all.reduce((sum, samples) => sum + samples.errors, 0) + Math.abs(sseFallbacks),
		figures: {
			direct: { sse: s.directSse, websocketNewSession: s.directWsNew, websocketReused: s.directWsSame },
			dispatcher: {
				sse: s.dispatcherSse,
				websocketNewSession: s.dispatcherWsNew,
				websocketReused: s.dispatcherWsSame,
			},
			failoverUnknown: { direct: f.direct, sse: f.sse, websocket: f.websocket },
			websocketMinusSseP50: { perTurn, firstTurn, onFailover },
			sseFallbacks,
			guessedCooldownMs: GUESSED_COOLDOWN_MS,
		},
		rows,
	};
}

/**
 * The one-line conclusion, on latency alone. Most turns run on a reused socket, so that decides,
 * if it saves at least the healthy-overhead budget (0.5 ms) and failover stays within the failover
 * target's slack (2 ms); SSE's other merit, the status and usage/reset headers the dispatcher
 * learns from, is no latency and stays in README "Design decisions".
 */
function verdict(perTurn: number, firstTurn: number, onFailover: number): string {
	const pick = perTurn <= -0.5 && onFailover <= 2 ? "WebSocket" : "SSE";
	return (
		`loopback verdict: ${pick} per account (WebSocket ${signed(perTurn)} ms/turn reused, ${signed(firstTurn)} ` +
		`new socket, ${signed(onFailover)} on failover); cannot show the TLS handshake a reused socket saves on the real service`
	);
}

function summaries<K extends string>(arms: Record<K, Samples>): Record<K, Summary> {
	return Object.fromEntries(Object.entries<Samples>(arms).map(([k, v]) => [k, v.summary()])) as Record<K, Summary>;
}
