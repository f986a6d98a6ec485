/**
 * Where an unknown failover's time goes, naive rotator against dispatcher, interleaved: a `fetch`
 * that notes when each request is sent and when its status line arrives (both pass the caller's
 * `fetch` to pi-ai), so each sample splits into call → A sent, A's round trip, 429 → B sent,
 * B's round trip, B's status line → first token. Medians in ms.
 */
import type { SimpleStreamOptions } from "@earendil-works/pi-ai";
import { streamSimpleOpenAICodexResponses } from "@earendil-works/pi-ai/compat";
import { NaiveAccounts, naiveStreamWrapper } from "../naive/rotator.ts";
import { benchContext } from "./client.ts";
import { timeStream } from "./measure.ts";
import { percentile } from "./stats.ts";
import { FRESH_USAGE_LIMIT, type UnknownFailoverKit } from "./unknown-failover.ts";
import type { Upstream } from "./upstream.ts";

export const PHASES = ["call → A sent", "A round trip", "429 → B sent", "B round trip", "B status → token", "TTFT"];

export async function failoverTimeline(
	upstream: Upstream,
	kit: UnknownFailoverKit,
	rounds: number,
): Promise<Record<"naive" | "dispatcher", number[]>> {
	const context = benchContext();
	let marks: number[] = [];
	const noting: typeof fetch = async (input, init) => {
		marks.push(performance.now());
		const response = await globalThis.fetch(input, init);
		marks.push(performance.now());
		return response;
	};
	const options: SimpleStreamOptions = { transport: "sse", fetch: noting };
	const samples: Record<"naive" | "dispatcher", number[][]> = { naive: [], dispatcher: [] };
	for (let round = -10; round < rounds; round++) {
		for (const arm of round % 2 === 0 ? (["naive", "dispatcher"] as const) : (["dispatcher", "naive"] as const)) {
			await upstream.setFault(kit.exhausted.accountId, FRESH_USAGE_LIMIT, 1);
			marks = [];
			const t0 = performance.now();
			const timing = await timeStream(() => {
				if (arm === "dispatcher") return kit.rig.stream(context, options);
				const accounts = new NaiveAccounts(
					[
						{ id: kit.exhausted.accountId, access: kit.exhausted.tokens.access },
						{ id: kit.healthy.accountId, access: kit.healthy.tokens.access },
					],
					() => 0,
				);
				return naiveStreamWrapper(accounts, streamSimpleOpenAICodexResponses)(kit.rig.model, context, options);
			});
			if (arm === "dispatcher") await kit.settle();
			await upstream.clearFault(kit.exhausted.accountId);
			if (round < 0 || marks.length !== 4 || timing.firstText === undefined) continue;
			const [aSent, a429, bSent, bStatus] = marks.map((t) => t - t0) as [number, number, number, number];
			samples[arm].push([
				aSent,
				a429 - aSent,
				bSent - a429,
				bStatus - bSent,
				timing.firstText - bStatus,
				timing.firstText,
			]);
		}
	}
	const medians = (rows: number[][]) =>
		PHASES.map((_, i) =>
			percentile(
				rows.map((row) => row[i]!).sort((a, b) => a - b),
				50,
			),
		);
	return { naive: medians(samples.naive), dispatcher: medians(samples.dispatcher) };
}
