/**
 * 1. Baseline: pi-ai's own Codex stream straight to a healthy account (SSE, no provider retry), the
 * reference every other latency is set against. Comparisons re-measure it alongside themselves.
 */
import { sampleCount, warmupCount } from "../lib/args.ts";
import { benchContext, benchModel, directStream } from "../lib/client.ts";
import { interleave } from "../lib/interleave.ts";
import { ttftArm } from "../lib/measure.ts";
import type { Scenario } from "../lib/scenario.ts";

export const baseline: Scenario = {
	name: "baseline",
	async run({ upstream, options }) {
		const [account] = await upstream.addAccounts([{ accountId: "baseline-1" }]);
		const model = benchModel(upstream.baseUrl);
		const context = benchContext();
		const { direct } = await interleave(
			{ direct: ttftArm(() => directStream(model, context, account!.tokens.access)) },
			{ rounds: sampleCount(options, 300, 5), warmup: warmupCount(options) },
		);
		const ttft = direct.summary();
		return {
			name: "baseline",
			errors: direct.errors,
			figures: { ttft },
			rows: [
				{
					scenario: "baseline: pi-ai direct TTFT",
					samples: ttft.count,
					p50: ttft.p50,
					p99: ttft.p99,
					...(ttft.cpuMs !== undefined ? { cpu: ttft.cpuMs } : {}),
					delta: "(reference)",
				},
			],
		};
	},
};
