/**
 * 3. Failover, exhaustion unknown: the first chosen account answers 429 usage_limit_reached; the
 * time to first token comes from the next account. Interleaved with the baseline and with one 429
 * round trip alone, so "≤ one 429 round trip + 2 ms" is judged against figures from the same run.
 */
import { sampleCount, warmupCount } from "../lib/args.ts";
import { interleave } from "../lib/interleave.ts";
import { compare, describeComparison, signed } from "../lib/report.ts";
import type { Scenario } from "../lib/scenario.ts";
import { unknownFailoverKit } from "../lib/unknown-failover.ts";

const SLACK_MS = 2;

export const failoverUnknown: Scenario = {
	name: "failover-unknown",
	async run({ upstream, options }) {
		const kit = await unknownFailoverKit(upstream, "fu", options.quick ? 2 : 10);
		try {
			const arms = await interleave(
				{ direct: kit.direct, rtt429: kit.rtt429, dispatcher: kit.dispatcher() },
				{
					rounds: sampleCount(options, 150, 5),
					warmup: warmupCount(options),
					after: (arm) => (arm === "dispatcher" ? kit.settle() : Promise.resolve()),
				},
			);
			const direct = arms.direct.summary();
			const rtt429 = arms.rtt429.summary();
			const failover = arms.dispatcher.summary();
			const added = compare(failover, direct);
			const budget = rtt429.p50 + SLACK_MS;
			return {
				name: "failover-unknown",
				errors: arms.direct.errors + arms.rtt429.errors + arms.dispatcher.errors,
				figures: { direct, rtt429, failover, added, misroutes: kit.misroutes(), rigStartMs: kit.rig.startMs },
				rows: [
					{
						scenario: "429 round trip alone (pi-ai direct)",
						samples: rtt429.count,
						p50: rtt429.p50,
						p99: rtt429.p99,
						delta: "(reference for failover)",
					},
					{
						scenario: "failover, unknown: dispatcher TTFT",
						samples: failover.count,
						p50: failover.p50,
						p99: failover.p99,
						delta: `${describeComparison(added)}; beyond the 429: ${signed(added.deltaP50 - rtt429.p50)} ms p50`,
						target: `Δp50 ≤ 429 RTT + ${SLACK_MS} ms (${budget.toFixed(2)} ms)`,
						met: added.deltaP50 <= budget,
					},
				],
			};
		} finally {
			await kit.close();
		}
	},
};
