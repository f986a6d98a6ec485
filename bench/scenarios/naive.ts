/**
 * 5. The naive way, in the same run: a MultiCodex-style wrapper (naive/rotator.ts) that tries one
 * account, waits for its error, then tries the next, against the dispatcher on the same upstream
 * accounts, the same armed 429 and the same pi-ai. pi's provider retry (`maxRetries`):
 * - unset (0 in pi-ai 0.87.1): interleaved with the baseline, the 429 alone and the dispatcher;
 * - 3, on a 429 usage_limit_reached (no retry-after, as the service sends it): pi-ai sleeps
 *   1 s + 2 s + 4 s on the exhausted account before the wrapper sees an error, so only a couple
 *   of samples (none under --quick);
 * - 3, on a 429 rate_limit_exceeded with `retry-after: 0.05`: pi-ai honours it, 3 × 50 ms.
 * The dispatcher gets the same `maxRetries` from pi and overrides it to 0 per attempt.
 */
import type { Fault } from "../../test/fake-codex/index.ts";
import { type BenchOptions, sampleCount, warmupCount } from "../lib/args.ts";
import { interleave } from "../lib/interleave.ts";
import { compare, describeComparison, describeCpu, type Row, signed } from "../lib/report.ts";
import type { Scenario } from "../lib/scenario.ts";
import type { Samples, Summary } from "../lib/stats.ts";
import { type UnknownFailoverKit, unknownFailoverKit } from "../lib/unknown-failover.ts";

const SLACK_MS = 2;
const SHORT_RETRY_AFTER: Fault = { kind: "rate-limit", retryAfterSeconds: 0.05 };

export const naive: Scenario = {
	name: "naive",
	async run({ upstream, options }) {
		const kit = await unknownFailoverKit(upstream, "nv", options.quick ? 2 : 10);
		const settleAfterDispatcher = (arm: string) => (arm.startsWith("dispatcher") ? kit.settle() : Promise.resolve());
		try {
			const main = await interleave(
				{
					direct: kit.direct,
					rtt429: kit.rtt429,
					naive: kit.naive(),
					dispatcher: kit.dispatcher(),
				},
				{ rounds: sampleCount(options, 150, 5), warmup: warmupCount(options), after: settleAfterDispatcher },
			);
			const retryAfter = await interleave(
				{
					naive: kit.naive({ maxRetries: 3 }, SHORT_RETRY_AFTER),
					dispatcher: kit.dispatcher({ maxRetries: 3 }, SHORT_RETRY_AFTER),
				},
				{ rounds: Math.min(sampleCount(options, 20, 3), 20), warmup: 1, after: settleAfterDispatcher },
			);
			const slow = options.quick ? undefined : await slowVariant(kit, options);

			const direct = main.direct.summary();
			const rtt429 = main.rtt429.summary();
			const budget = rtt429.p50 + SLACK_MS;
			const dispatcher = main.dispatcher.summary();
			const line = (label: string, s: Summary, judged: boolean): Row => {
				const added = compare(s, direct);
				return {
					scenario: label,
					samples: s.count,
					p50: s.p50,
					p99: s.p99,
					...(s.cpuMs !== undefined ? { cpu: s.cpuMs } : {}),
					delta: `${describeComparison(added)}; ×${(s.p50 / dispatcher.p50).toFixed(2)} dispatcher`,
					target: `Δp50 ≤ 429 RTT + ${SLACK_MS} ms (${budget.toFixed(2)} ms)`,
					...(judged ? { met: added.deltaP50 <= budget } : {}),
				};
			};
			const naiveUnset = main.naive.summary();
			const rows: Row[] = [
				line("naive, maxRetries unset (0): TTFT", naiveUnset, true),
				{
					...line("dispatcher, same loop as naive: TTFT", dispatcher, true),
					delta:
						`×${(dispatcher.p50 / naiveUnset.p50).toFixed(2)} naive (${signed(dispatcher.p50 - naiveUnset.p50)} ms p50); ` +
						`${describeComparison(compare(dispatcher, direct))}; ${describeCpu(dispatcher.cpuMs, naiveUnset.cpuMs, "naive")}`,
					target: "p50 ≤ naive p50 (same loop)",
					met: dispatcher.p50 <= naiveUnset.p50,
				},
				line("naive, maxRetries 3, retry-after 0.05 s: TTFT", retryAfter.naive.summary(), true),
				line("dispatcher, maxRetries 3, retry-after 0.05 s: TTFT", retryAfter.dispatcher.summary(), true),
			];
			if (slow) {
				rows.push(line("naive, maxRetries 3, usage limit (no retry-after): TTFT", slow.naive.summary(), true));
				rows.push(line("dispatcher, maxRetries 3, usage limit: TTFT", slow.dispatcher.summary(), true));
			} else {
				rows.push({
					scenario: "naive, maxRetries 3, usage limit (no retry-after): TTFT",
					samples: 0,
					skipped: "7 s per sample (pi-ai sleeps 1+2+4 s); not in --quick",
				});
			}
			const all = [main, retryAfter, ...(slow ? [slow] : [])].flatMap((r) => Object.values<Samples>(r));
			return {
				name: "naive",
				errors: all.reduce((sum, s) => sum + s.errors, 0),
				figures: {
					direct,
					rtt429,
					maxRetriesUnset: { naive: main.naive.summary(), dispatcher },
					maxRetries3RetryAfter: {
						naive: retryAfter.naive.summary(),
						dispatcher: retryAfter.dispatcher.summary(),
					},
					maxRetries3UsageLimit: slow
						? { naive: slow.naive.summary(), dispatcher: slow.dispatcher.summary() }
						: { skipped: "quick" },
					naiveOverDispatcherP50: `${signed(main.naive.summary().p50 - dispatcher.p50)} ms`,
					misroutes: kit.misroutes(),
				},
				rows,
			};
		} finally {
			await kit.close();
		}
	},
};

/** pi-ai's backoff without retry-after is 1 s, 2 s, 4 s: two samples already take ~15 s. */
function slowVariant(kit: UnknownFailoverKit, options: BenchOptions) {
	return interleave(
		{
			naive: kit.naive({ maxRetries: 3 }),
			dispatcher: kit.dispatcher({ maxRetries: 3 }),
		},
		{
			rounds: Math.min(options.samples ?? 2, 2),
			warmup: 0,
			after: (arm) => (arm === "dispatcher" ? kit.settle() : Promise.resolve()),
		},
	);
}
