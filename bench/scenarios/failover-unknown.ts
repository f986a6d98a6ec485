/**
 * 3. Failover, exhaustion unknown: the first chosen account answers 429 usage_limit_reached; the
 * time to first token comes from the next account. Its main reference is the naive rotator
 * (naive/rotator.ts) failing over in the same loop: the dispatcher must be no slower. Interleaved
 * with the baseline and one 429 round trip alone too, whose figures come from the same run.
 */
import { sampleCount, warmupCount } from "../lib/args.ts";
import { interleave } from "../lib/interleave.ts";
import { compare, describeComparison, describeCpu, signed } from "../lib/report.ts";
import type { Scenario } from "../lib/scenario.ts";
import { unknownFailoverKit } from "../lib/unknown-failover.ts";

export const failoverUnknown: Scenario = {
	name: "failover-unknown",
	async run({ upstream, options }) {
		const kit = await unknownFailoverKit(upstream, "fu", options.quick ? 2 : 10);
		try {
			const arms = await interleave(
				{ direct: kit.direct, rtt429: kit.rtt429, naive: kit.naive(), dispatcher: kit.dispatcher() },
				{
					rounds: sampleCount(options, 150, 5),
					warmup: warmupCount(options),
					after: (arm) => (arm === "dispatcher" ? kit.settle() : Promise.resolve()),
				},
			);
			const direct = arms.direct.summary();
			const rtt429 = arms.rtt429.summary();
			const naive = arms.naive.summary();
			const failover = arms.dispatcher.summary();
			const added = compare(failover, direct);
			return {
				name: "failover-unknown",
				errors: arms.direct.errors + arms.rtt429.errors + arms.naive.errors + arms.dispatcher.errors,
				figures: {
					direct,
					rtt429,
					naive,
					failover,
					added,
					overNaiveP50: failover.p50 - naive.p50,
					misroutes: kit.misroutes(),
					rigStartMs: kit.rig.startMs,
				},
				rows: [
					{
						scenario: "429 round trip alone (pi-ai direct)",
						samples: rtt429.count,
						p50: rtt429.p50,
						p99: rtt429.p99,
						delta: "(reference for failover)",
					},
					{
						scenario: "failover, unknown: naive rotator TTFT (same loop)",
						samples: naive.count,
						p50: naive.p50,
						p99: naive.p99,
						...(naive.cpuMs !== undefined ? { cpu: naive.cpuMs } : {}),
						delta: `(reference for failover) ${describeComparison(compare(naive, direct))}`,
					},
					{
						scenario: "failover, unknown: dispatcher TTFT",
						samples: failover.count,
						p50: failover.p50,
						p99: failover.p99,
						...(failover.cpuMs !== undefined ? { cpu: failover.cpuMs } : {}),
						delta:
							`×${(failover.p50 / naive.p50).toFixed(2)} naive (${signed(failover.p50 - naive.p50)} ms p50); ` +
							`${describeCpu(failover.cpuMs, naive.cpuMs, "naive")}; ${describeComparison(added)}; ` +
							`beyond the 429: ${signed(added.deltaP50 - rtt429.p50)} ms p50`,
						target: "p50 ≤ naive p50 (same loop)",
						met: failover.p50 <= naive.p50,
					},
				],
			};
		} finally {
			await kit.close();
		}
	},
};
