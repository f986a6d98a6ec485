/**
 * The measuring kit for "first account answers 429 usage_limit_reached, nobody knew": two upstream
 * accounts (A first in the store, B healthy), a rig over both, and three arms to interleave:
 * - direct: pi-ai straight to B (the baseline),
 * - rtt429: pi-ai straight to a probe account whose 429 is armed: one 429 round trip alone,
 * - dispatcher: the dispatcher with A's 429 armed for one request, so it fails over to B;
 * - naive: the naive rotator (naive/rotator.ts) over [A, B], A's 429 armed for every attempt pi-ai makes.
 *
 * Fresh cooldown state per sample: the armed 429 says A's window reset a second ago. The request
 * being timed still fails over (any 429 does), but A is available again for the next sample as
 * soon as the supervisor and the actor have processed the 429, which `settle` waits for. The code
 * path is the real one; only the reset time differs from a live 429.
 *
 * B shows 1% used, so A (0%, "untouched") is chosen first; after A's 429 its usage reads 100% (with
 * a past reset) until the actor re-polls, and the tie on the weekly reset goes to A, first in order.
 */
import type { SimpleStreamOptions } from "@earendil-works/pi-ai";
import { streamSimpleOpenAICodexResponses } from "@earendil-works/pi-ai/compat";
import { unavailableReason } from "../../src/supervisor/selection-policy.ts";
import type { Fault } from "../../test/fake-codex/index.ts";
import { NaiveAccounts, naiveStreamWrapper } from "../naive/rotator.ts";
import { benchContext, directStream } from "./client.ts";
import type { Arm } from "./interleave.ts";
import { timeStream, ttftOf } from "./measure.ts";
import { type Rig, type RigOptions, startRig } from "./rig.ts";
import type { Upstream } from "./upstream.ts";
import type { AccountTokens } from "./upstream-protocol.ts";
import { sleep, waitUntil } from "./wait.ts";

export const FRESH_USAGE_LIMIT: Fault = { kind: "usage-limit", resetsInSeconds: -1 };

export interface UnknownFailoverKit {
	rig: Rig;
	exhausted: AccountTokens;
	healthy: AccountTokens;
	direct: Arm;
	rtt429: Arm;
	/** `options` reach the dispatcher as pi's would (e.g. the user's maxRetries). */
	dispatcher(options?: SimpleStreamOptions, fault?: Fault): Arm;
	/** One naive request over [A, B] with fresh rotator state; `options` as pi's (e.g. maxRetries). */
	naive(options?: { maxRetries?: number }, fault?: Fault): Arm;
	/** Samples whose 429 never reached A (A was not tried first): counted as errors. */
	misroutes(): number;
	/** Waits until A is chosen-first material again, then lets background writes land. */
	settle(): Promise<void>;
	close(): Promise<void>;
}

export async function unknownFailoverKit(
	upstream: Upstream,
	prefix: string,
	settleMs: number,
	rigOptions: RigOptions = {},
) {
	const [exhausted, healthy, probe] = await upstream.addAccounts([
		{ accountId: `${prefix}-a` },
		{ accountId: `${prefix}-b` },
		{ accountId: `${prefix}-probe` },
	]);
	await upstream.setUsage(healthy!.accountId, { primary: { usedPercent: 1 } });
	const rig = await startRig(upstream, [exhausted!, healthy!], rigOptions);
	const context = benchContext();
	let misroutes = 0;

	const dispatcher =
		(options: SimpleStreamOptions = {}, fault: Fault = FRESH_USAGE_LIMIT): Arm =>
		async () => {
			const before = await upstream.hits(exhausted!.accountId);
			await upstream.setFault(exhausted!.accountId, fault, 1);
			const timing = await timeStream(() => rig.stream(context, options));
			// The same four calls to the upstream as the naive arm: their CPU falls on both alike.
			await upstream.clearFault(exhausted!.accountId);
			const after = await upstream.hits(exhausted!.accountId);
			if (after.faulted !== before.faulted + 1) {
				misroutes++;
				await upstream.clearFault(exhausted!.accountId);
				return `misrouted: ${exhausted!.accountId} was not tried first`;
			}
			return ttftOf(timing);
		};

	const kit: UnknownFailoverKit = {
		rig,
		exhausted: exhausted!,
		healthy: healthy!,
		direct: async () => ttftOf(await timeStream(() => directStream(rig.model, context, healthy!.tokens.access))),
		rtt429: async () => {
			await upstream.setFault(probe!.accountId, FRESH_USAGE_LIMIT, 1);
			const timing = await timeStream(() => directStream(rig.model, context, probe!.tokens.access));
			return timing.error !== undefined && timing.firstText === undefined
				? timing.end
				: "the probe's 429 did not come";
		},
		dispatcher,
		naive: (options = {}, fault = FRESH_USAGE_LIMIT) => {
			const attemptsOnA = 1 + (options.maxRetries ?? 0);
			return async () => {
				const before = await upstream.hits(exhausted!.accountId);
				await upstream.setFault(exhausted!.accountId, fault, attemptsOnA);
				const accounts = new NaiveAccounts(
					[
						{ id: exhausted!.accountId, access: exhausted!.tokens.access },
						{ id: healthy!.accountId, access: healthy!.tokens.access },
					],
					() => 0,
				);
				const stream = naiveStreamWrapper(accounts, streamSimpleOpenAICodexResponses);
				const timing = await timeStream(() => stream(rig.model, context, { transport: "sse", ...options }));
				await upstream.clearFault(exhausted!.accountId);
				const after = await upstream.hits(exhausted!.accountId);
				if (after.faulted - before.faulted !== attemptsOnA) {
					return `naive: ${after.faulted - before.faulted} of ${attemptsOnA} attempts reached ${exhausted!.accountId}`;
				}
				return ttftOf(timing);
			};
		},
		misroutes: () => misroutes,
		async settle() {
			const id = exhausted!.accountId;
			const view = () => rig.supervisor.accounts().find((a) => a.id === id);
			const available = () => {
				const snapshot = view()?.snapshot;
				return snapshot !== undefined && unavailableReason({ ...snapshot, id }, Date.now()) === undefined;
			};
			await waitUntil(available, () => `${id} to be available again: ${JSON.stringify(view()?.snapshot)}`);
			await sleep(settleMs);
		},
		close: () => rig.close(),
	};
	return kit;
}
