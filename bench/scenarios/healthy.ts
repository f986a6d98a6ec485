/**
 * 2. Healthy path: the same request through the real dispatcher (supervisor, actors, store) versus
 * pi-ai direct, sampled alternately (A/B/B/A…) against the same upstream account so drift cancels.
 * Both pass a session id, as pi always does (the dispatcher's sticky path). A third arm calls pi-ai's
 * client module without its lazy layer, as the dispatcher does: the dispatcher's own cost beside it.
 */
import { sampleCount, warmupCount } from "../lib/args.ts";
import { benchContext, directStream, moduleStream } from "../lib/client.ts";
import { interleave } from "../lib/interleave.ts";
import { ttftArm } from "../lib/measure.ts";
import { compare, cpuWithin, describeComparison, describeCpu } from "../lib/report.ts";
import { startRig } from "../lib/rig.ts";
import type { Scenario } from "../lib/scenario.ts";

const TARGET_P50_MS = 0.25;
const TARGET_P99_MS = 2;

export const healthy: Scenario = {
	name: "healthy",
	async run({ upstream, options }) {
		const accounts = await upstream.addAccounts([{ accountId: "healthy-1" }, { accountId: "healthy-2" }]);
		const rig = await startRig(upstream, accounts);
		try {
			const context = benchContext();
			const streamOptions = { sessionId: "bench-healthy", transport: "sse" as const };
			// The dispatcher routes the session to healthy-1 (first, untouched); direct uses the same account.
			const access = accounts[0]!.tokens.access;
			const arms = await interleave(
				{
					direct: ttftArm(() => directStream(rig.model, context, access, streamOptions)),
					module: ttftArm(() => moduleStream(rig.model, context, access, streamOptions)),
					dispatcher: ttftArm(() => rig.stream(context, streamOptions)),
				},
				{ rounds: sampleCount(options, 300, 5), warmup: warmupCount(options) },
			);
			const direct = arms.direct.summary();
			const module = arms.module.summary();
			const dispatcher = arms.dispatcher.summary();
			const overhead = compare(dispatcher, direct);
			const overModule = compare(dispatcher, module);
			const served = await upstream.hits(accounts[0]!.accountId);
			return {
				name: "healthy",
				errors: arms.direct.errors + arms.module.errors + arms.dispatcher.errors,
				figures: { direct, module, dispatcher, overhead, overModule, requestsToFirstAccount: served.responses },
				rows: [
					{
						scenario: "healthy: pi-ai's client module, no lazy layer",
						samples: module.count,
						p50: module.p50,
						p99: module.p99,
						...(module.cpuMs !== undefined ? { cpu: module.cpuMs } : {}),
						delta: `(reference) ${describeComparison(compare(module, direct))}; ${describeCpu(module.cpuMs, direct.cpuMs)}`,
					},
					{
						scenario: "healthy: dispatcher TTFT",
						samples: dispatcher.count,
						p50: dispatcher.p50,
						p99: dispatcher.p99,
						...(dispatcher.cpuMs !== undefined ? { cpu: dispatcher.cpuMs } : {}),
						delta: `${describeComparison(overhead)}; ${describeCpu(dispatcher.cpuMs, direct.cpuMs)}; over the module: ${describeComparison(overModule, "module")}, ${describeCpu(dispatcher.cpuMs, module.cpuMs, "module")}`,
						target: `overhead ≤ ${TARGET_P50_MS} ms p50, ≤ ${TARGET_P99_MS} ms p99; CPU ≤ direct +10 %`,
						met:
							overhead.deltaP50 <= TARGET_P50_MS &&
							overhead.deltaP99 <= TARGET_P99_MS &&
							cpuWithin(dispatcher.cpuMs, direct.cpuMs),
					},
				],
			};
		} finally {
			await rig.close();
		}
	},
};
