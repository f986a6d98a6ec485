/**
 * 4. Failover, exhaustion known: A is exhausted and the dispatcher already knows it, so no request
 * may reach A at all (counted at the upstream, target 0) and the time to first token should be
 * the baseline's plus routing. Two ways of knowing, each with its own baseline alongside:
 * - "another process": a cooldown written into the shared store while the supervisor runs (what a
 *   second pi process does); the store watch must carry it to the supervisor. Its propagation time
 *   is reported too.
 * - "an earlier 429": this process's own earlier request hit A's 429.
 * A keeps a 429 armed throughout, so a request that did reach it would also show in the latency.
 * Measured once what the learning set off has settled (A's actor activated, the store written):
 * that one-time work belongs to the failover that taught it (see failover-unknown).
 */
import { AccountStore } from "../../src/store/account-store.ts";
import { sampleCount, warmupCount } from "../lib/args.ts";
import { benchContext, directStream } from "../lib/client.ts";
import { interleave } from "../lib/interleave.ts";
import { ttftArm } from "../lib/measure.ts";
import { compare, cpuWithin, describeComparison, describeCpu, type Row } from "../lib/report.ts";
import { type Rig, startRig } from "../lib/rig.ts";
import type { Scenario, ScenarioContext } from "../lib/scenario.ts";
import type { Summary } from "../lib/stats.ts";
import type { Upstream } from "../lib/upstream.ts";
import type { AccountTokens } from "../lib/upstream-protocol.ts";
import { sleep, waitUntil } from "../lib/wait.ts";

const TARGET_MS = 0.3;
/** Quiet time after the exhaustion became known, as the rig leaves after start-up. */
const SETTLE_MS = 300;
const PERSISTENT_429 = { kind: "usage-limit" as const, resetsInSeconds: 3600 };

interface Variant {
	label: string;
	direct: Summary;
	dispatcher: Summary;
	errors: number;
	requestsToExhausted: number;
	extra: Record<string, number>;
}

export const failoverKnown: Scenario = {
	name: "failover-known",
	async run(context) {
		const viaStore = await measure(context, "fks", "another process (store)", async (rig, exhausted) => {
			// What another pi process does: write the cooldown into the shared store (its own instance,
			// so the supervisor's watch does not take it for its own write).
			const otherProcess = new AccountStore({ home: rig.home });
			const t0 = performance.now();
			await otherProcess.update((data) => {
				data.state[exhausted.accountId] = {
					...data.state[exhausted.accountId],
					cooldownUntil: Date.now() + 3_600_000,
					cooldownReason: "usage_limit_reached",
				};
			});
			await waitUntil(() => !isAvailable(rig, exhausted.accountId), "the store's cooldown to reach the supervisor");
			return { propagationMs: performance.now() - t0 };
		});
		const via429 = await measure(context, "fk4", "an earlier 429", async (rig, exhausted) => {
			const learn = rig.stream(benchContext());
			for await (const _ of learn);
			if (isAvailable(rig, exhausted.accountId)) throw new Error("the 429 did not mark the account exhausted");
			return {};
		});
		const variants = [viaStore, via429];
		return {
			name: "failover-known",
			errors: variants.reduce((sum, v) => sum + v.errors, 0),
			figures: {
				requestsToExhausted: variants.reduce((sum, v) => sum + v.requestsToExhausted, 0),
				variants: variants.map((v) => ({ ...v, added: compare(v.dispatcher, v.direct) })),
			},
			rows: variants.map((v): Row => {
				const added = compare(v.dispatcher, v.direct);
				const propagation =
					v.extra.propagationMs === undefined ? "" : `; store→supervisor ${v.extra.propagationMs.toFixed(1)} ms`;
				return {
					scenario: `failover, known via ${v.label}: TTFT`,
					samples: v.dispatcher.count,
					p50: v.dispatcher.p50,
					p99: v.dispatcher.p99,
					...(v.dispatcher.cpuMs !== undefined ? { cpu: v.dispatcher.cpuMs } : {}),
					delta:
						`${describeComparison(added)}; requests to A: ${v.requestsToExhausted}${propagation}; ` +
						describeCpu(v.dispatcher.cpuMs, v.direct.cpuMs),
					target: `Δp50 ≤ ${TARGET_MS} ms; 0 requests to A; CPU ≤ direct +10 %`,
					met:
						added.deltaP50 <= TARGET_MS &&
						v.requestsToExhausted === 0 &&
						cpuWithin(v.dispatcher.cpuMs, v.direct.cpuMs),
				};
			}),
		};
	},
};

async function measure(
	{ upstream, options }: ScenarioContext,
	prefix: string,
	label: string,
	makeKnown: (rig: Rig, exhausted: AccountTokens) => Promise<Record<string, number>>,
): Promise<Variant> {
	const [exhausted, healthy] = await upstream.addAccounts([
		{ accountId: `${prefix}-a` },
		{ accountId: `${prefix}-b` },
	]);
	await upstream.setFault(exhausted!.accountId, PERSISTENT_429);
	const rig = await startRig(upstream, [exhausted!, healthy!]);
	try {
		const extra = await makeKnown(rig, exhausted!);
		// What learning it set off (A's actor activating to share a 429, the store write and its
		// read-back) is the unknown failover's cost, not the known one's: let it finish first.
		await waitUntil(
			() => rig.supervisor.actor(exhausted!.accountId)?.activation !== "activating",
			"A's actor to finish activating",
		);
		await sleep(SETTLE_MS);
		const before = await hitsOn(upstream, exhausted!);
		const context = benchContext();
		const arms = await interleave(
			{
				direct: ttftArm(() => directStream(rig.model, context, healthy!.tokens.access)),
				// No session id: nothing sticky steers away from A, only what is known about it.
				dispatcher: ttftArm(() => rig.stream(context)),
			},
			{ rounds: sampleCount(options, 150, 5), warmup: warmupCount(options) },
		);
		return {
			label,
			direct: arms.direct.summary(),
			dispatcher: arms.dispatcher.summary(),
			errors: arms.direct.errors + arms.dispatcher.errors,
			requestsToExhausted: (await hitsOn(upstream, exhausted!)) - before,
			extra,
		};
	} finally {
		await rig.close();
	}
}

function isAvailable(rig: Rig, accountId: string): boolean {
	const view = rig.supervisor.accounts().find((a) => a.id === accountId);
	return view?.snapshot.state === "ready" && (view.snapshot.cooldownUntil ?? 0) <= Date.now();
}

async function hitsOn(upstream: Upstream, account: AccountTokens): Promise<number> {
	return (await upstream.hits(account.accountId)).responses;
}
