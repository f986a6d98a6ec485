/**
 * One hot path at a time, profiled on the main thread: `node bench/profile.ts --path <path> --arm <arm>`.
 * - `loop`: the 1-stream closed loop (one session, sticky; `--accounts N`), which is also the
 *   healthy path: `direct` (pi-ai) or `dispatcher`;
 * - `failover`: the unknown failover (first account answers 429 usage_limit_reached):
 *   `direct` (pi-ai to the healthy account), `naive` (naive/rotator.ts) or `dispatcher`;
 * - `timeline`: no profile; the unknown failover's phases, naive and dispatcher interleaved
 *   (lib/failover-timeline.ts), `--requests` rounds.
 * - `own`: no profile; the dispatcher's own main-thread CPU per request, in front of an in-memory
 *   client (lib/in-memory-client.ts) with a real answer's headers, against that client called
 *   directly, in alternating slices: the routing, queue, observation and forwarding alone, out of
 *   the network's noise.
 * Prints wall time and main-thread CPU per request, then the profile's areas and top functions
 * (self and inclusive ms); the .cpuprofile goes to `--out-dir` (default: the temp folder) for DevTools.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { streamSimpleOpenAICodexResponses } from "@earendil-works/pi-ai/compat";
import { Dispatcher } from "../src/dispatch/dispatcher.ts";
import { actorWorkerBuild } from "./lib/actor-build.ts";
import { benchContext, directStream } from "./lib/client.ts";
import { profiled, summarizeProfile } from "./lib/cpu-profile.ts";
import { failoverTimeline, PHASES } from "./lib/failover-timeline.ts";
import { answeringFetch, inMemoryCodexClient } from "./lib/in-memory-client.ts";
import { timeStream } from "./lib/measure.ts";
import { accountInits, startRig } from "./lib/rig.ts";
import { FRESH_USAGE_LIMIT, unknownFailoverKit } from "./lib/unknown-failover.ts";
import { startUpstream } from "./lib/upstream.ts";
import { NaiveAccounts, naiveStreamWrapper } from "./naive/rotator.ts";

const { values } = parseArgs({
	options: {
		path: { type: "string", default: "loop" },
		arm: { type: "string", default: "dispatcher" },
		accounts: { type: "string", default: "1" },
		requests: { type: "string", default: "1000" },
		"out-dir": { type: "string", default: tmpdir() },
		top: { type: "string", default: "25" },
	},
});
const requests = Number(values.requests);
const log = (message: string) => process.stderr.write(`${message}\n`);

const actorWorker = await actorWorkerBuild(log);
process.env.PI_DISPATCH_ACTOR_WORKER = actorWorker.entry;
const upstream = await startUpstream();
const context = benchContext();
let one: () => Promise<unknown>;
let close: () => Promise<void>;
if (values.path === "loop") {
	const tokens = await upstream.addAccounts(accountInits("prof", Number(values.accounts)));
	const rig = await startRig(upstream, tokens);
	one =
		values.arm === "direct"
			? () => timeStream(() => directStream(rig.model, context, tokens[0]!.tokens.access))
			: () => timeStream(() => rig.stream(context, { sessionId: "client-0" }));
	close = () => rig.close();
} else if (values.path === "failover") {
	const kit = await unknownFailoverKit(upstream, "prof", 10);
	const dispatcher = kit.dispatcher();
	const naive = async () => {
		await upstream.setFault(kit.exhausted.accountId, FRESH_USAGE_LIMIT, 1);
		const accounts = new NaiveAccounts(
			[
				{ id: kit.exhausted.accountId, access: kit.exhausted.tokens.access },
				{ id: kit.healthy.accountId, access: kit.healthy.tokens.access },
			],
			() => 0,
		);
		const stream = naiveStreamWrapper(accounts, streamSimpleOpenAICodexResponses);
		return timeStream(() => stream(kit.rig.model, context, { transport: "sse" }));
	};
	one =
		values.arm === "direct"
			? kit.direct
			: values.arm === "naive"
				? naive
				: async () => {
						await dispatcher();
						await kit.settle();
					};
	close = () => kit.close();
} else if (values.path === "timeline") {
	const kit = await unknownFailoverKit(upstream, "prof", 10);
	const medians = await failoverTimeline(upstream, kit, requests);
	process.stdout.write(
		`unknown failover, ${requests} rounds, medians in ms:\n${PHASES.map(
			(phase, i) =>
				`${phase.padEnd(18)} naive ${medians.naive[i]!.toFixed(3).padStart(7)}   dispatcher ${medians.dispatcher[i]!.toFixed(3).padStart(7)}`,
		).join("\n")}\n`,
	);
	await kit.close();
	await upstream.close();
	process.exit(0);
} else if (values.path === "own") {
	await ownCost(upstream);
	process.exit(0);
} else {
	throw new Error(`--path loop|failover|timeline|own, not ${values.path}`);
}

try {
	for (let i = 0; i < 50; i++) await one();
	const file = join(values["out-dir"], `pi-dispatch-${values.path}-${values.arm}-${values.accounts}.cpuprofile`);
	// Figures from a run without the profiler (it costs CPU itself), then the same run profiled.
	const cpu0 = process.threadCpuUsage();
	const t0 = performance.now();
	for (let i = 0; i < requests; i++) await one();
	const wall = performance.now() - t0;
	const cpu = process.threadCpuUsage(cpu0);
	const { profile } = await profiled(file, async () => {
		for (let i = 0; i < requests; i++) await one();
	});
	const summary = summarizeProfile(profile, Number(values.top));
	const f = (ms: number) => ms.toFixed(2).padStart(9);
	const lines = [
		`${values.path} / ${values.arm} / ${values.accounts} account(s): ${requests} requests`,
		`wall ${(wall / requests).toFixed(3)} ms/request; main-thread CPU ${((cpu.user + cpu.system) / 1000 / requests).toFixed(3)} ms/request`,
		`profile: busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms (${file})`,
		"",
		"     self     total  area (ms per 1000 requests)",
		...summary.areas.map((a) => `${f((a.self / requests) * 1000)} ${f((a.total / requests) * 1000)}  ${a.name}`),
		"",
		"     self     total  function",
		...summary.functions.map((e) => `${f((e.self / requests) * 1000)} ${f((e.total / requests) * 1000)}  ${e.name}`),
	];
	process.stdout.write(`${lines.join("\n")}\n`);
} finally {
	await close();
	await upstream.close();
}

/** `--path own`: see the header. Slices alternate (A B, B A, …); medians of the slices' CPU per request. */
async function ownCost(upstream: Awaited<ReturnType<typeof startUpstream>>): Promise<void> {
	const tokens = await upstream.addAccounts(accountInits("own", Number(values.accounts)));
	const rig = await startRig(upstream, tokens);
	// A real answer's headers, as the fake sends them with every response.
	const answer = await fetch(`${upstream.baseUrl}/codex/responses`, {
		method: "POST",
		headers: { authorization: `Bearer ${tokens[0]!.tokens.access}`, "chatgpt-account-id": tokens[0]!.accountId },
		body: JSON.stringify({ model: rig.model.id, input: [], stream: true }),
	});
	const headers: [string, string][] = [];
	for (const [key, value] of answer.headers) headers.push([key, value]);
	await answer.text();
	const answering = answeringFetch(headers);
	const client = inMemoryCodexClient(answering);
	const dispatcher = new Dispatcher(() => rig.supervisor, client, { baseUrl: upstream.baseUrl });
	const drain = async (stream: AsyncIterable<{ type: string }>) => {
		for await (const event of stream) if (event.type === "error") throw new Error("the in-memory answer failed");
	};
	const arms = {
		direct: () => drain(client.streamSimple(rig.model, context, { apiKey: "in-memory", fetch: answering })),
		dispatcher: () => drain(dispatcher.stream(rig.model, context, { sessionId: "own-0", fetch: answering })),
	};
	const perSlice = Math.max(100, Math.round(requests / 6));
	for (let i = 0; i < 3000; i++) await arms[i % 2 ? "direct" : "dispatcher"]();
	const cpuUs: Record<keyof typeof arms, number[]> = { direct: [], dispatcher: [] };
	const slices = async () => {
		for (let slice = 0; slice < 6; slice++) {
			for (const arm of slice % 2 ? (["dispatcher", "direct"] as const) : (["direct", "dispatcher"] as const)) {
				const cpu0 = process.threadCpuUsage();
				for (let i = 0; i < perSlice; i++) await arms[arm]();
				const cpu = process.threadCpuUsage(cpu0);
				cpuUs[arm].push((cpu.user + cpu.system) / perSlice);
			}
		}
	};
	await slices();
	const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
	const direct = median(cpuUs.direct);
	const own = median(cpuUs.dispatcher);
	process.stdout.write(
		`the dispatcher's own cost, ${Number(values.accounts)} account(s), 6 × ${perSlice} requests per arm (main-thread CPU per request, median slice):\n` +
			`in-memory client direct   ${direct.toFixed(1).padStart(6)} µs\n` +
			`through the dispatcher    ${own.toFixed(1).padStart(6)} µs   (+${(own - direct).toFixed(1)} µs)\n`,
	);
	await rig.close();
	await upstream.close();
}
