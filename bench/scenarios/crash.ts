/**
 * 7. Crash recovery: kill an actor's thread (`ActorHandle.killThread()`, as a crash would) and time
 * (a) until the actor says `ready` again and (b) until a request sent right after the kill gets
 * its first token through that account. One account only, so the request cannot go elsewhere.
 * The restart budget is raised: the default gives up after 5 crashes a minute, by design.
 */
import { sampleCount } from "../lib/args.ts";
import { benchContext } from "../lib/client.ts";
import { timeStream } from "../lib/measure.ts";
import type { Row } from "../lib/report.ts";
import { startRig } from "../lib/rig.ts";
import type { Scenario } from "../lib/scenario.ts";
import { Samples } from "../lib/stats.ts";
import { sleep, waitUntil } from "../lib/wait.ts";

const TARGET_MS = 200;

export const crash: Scenario = {
	name: "crash",
	async run({ upstream, options }) {
		const accounts = await upstream.addAccounts([{ accountId: "crash-1" }]);
		const rig = await startRig(upstream, accounts, { supervisor: { restart: { intensity: 1_000 } } });
		const actor = rig.supervisor.actor(accounts[0]!.accountId)!;
		const context = benchContext();
		const toReady = new Samples();
		const toServed = new Samples();
		const kill = new Samples();
		/** What the dispatcher saw when the request went out: "ready" means the crash was not yet noticed. */
		const stateAtRequest: Record<string, number> = {};
		try {
			const rounds = sampleCount(options, 20, 3);
			for (let i = 0; i < rounds; i++) {
				await waitUntil(() => actor.snapshot.state === "ready", "the actor to be ready", 10_000);
				await sleep(options.quick ? 20 : 100); // let the start-up usage poll finish
				const t0 = performance.now();
				const readyAgain = new Promise<number>((resolve) =>
					actor.once("ready", () => resolve(performance.now() - t0)),
				);
				await actor.killThread();
				kill.record(performance.now() - t0);
				const state = actor.snapshot.state;
				stateAtRequest[state] = (stateAtRequest[state] ?? 0) + 1;
				const sentAt = performance.now() - t0;
				const timing = await timeStream(() => rig.stream(context, { sessionId: `crash-${i}` }));
				if (timing.error !== undefined || timing.firstText === undefined) toServed.fail(timing.error ?? "no text");
				else toServed.record(sentAt + timing.firstText);
				toReady.record(await withTimeout(readyAgain, 10_000, "the actor to restart"));
			}
		} finally {
			await rig.close();
		}
		const ready = toReady.summary();
		const served = toServed.summary();
		const rows: Row[] = [
			{
				scenario: "crash → actor ready again",
				samples: ready.count,
				p50: ready.p50,
				p99: ready.p99,
				delta: `killThread() itself: ${kill.summary().p50.toFixed(2)} ms p50`,
				target: `≤ ${TARGET_MS} ms`,
				met: ready.p99 <= TARGET_MS,
			},
			{
				scenario: "crash → next request's first token",
				samples: served.count,
				p50: served.p50,
				p99: served.p99,
				delta: `request sent with the actor ${Object.entries(stateAtRequest)
					.map(([state, n]) => `${state} ×${n}`)
					.join(", ")}`,
				target: `≤ ${TARGET_MS} ms; 0 errors`,
				met: served.p99 <= TARGET_MS && toServed.errors === 0,
			},
		];
		return {
			name: "crash",
			errors: toServed.errors,
			figures: { toReady: ready, toServed: served, kill: kill.summary(), stateAtRequest },
			rows,
		};
	},
};

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
		promise.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error: unknown) => {
				clearTimeout(timer);
				reject(error);
			},
		);
	});
}
