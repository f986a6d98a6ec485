/**
 * Actor cold start and memory, measured in a fresh process (forked by lib/probe.ts with
 * --expose-gc) so that neither earlier scenarios' heap nor already-compiled modules flatter the
 * figures. Starts a supervisor over the accounts it is sent, reports when each actor said `ready`
 * and the process RSS before and after, and exits.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime } from "../../src/runtime.ts";
import { piCodexClient } from "../../test/helpers/dispatch-harness.ts";
import type { ProbeJob, ProbeResult } from "../lib/probe-protocol.ts";
import { rigConfig, seedStore } from "../lib/rig.ts";
import { settledRss } from "../lib/settled-rss.ts";
import { sleep } from "../lib/wait.ts";

async function probe(job: ProbeJob): Promise<ProbeResult> {
	const home = await mkdtemp(join(tmpdir(), "pi-dispatch-probe-"));
	await seedStore(home, job.accounts);
	const runtime = createRuntime(piCodexClient, rigConfig(job.upstream, home), { random: () => 0 });
	await sleep(job.settleMs);
	const rssBefore = await settledRss();
	const epoch = Date.now();
	const t0 = performance.now();
	const supervisor = await runtime.supervisor();
	// Actors start dormant; activate them all at once to weigh the threads.
	await Promise.all(supervisor.accounts().map((a) => supervisor.actor(a.id)?.activate()));
	const allReadyMs = performance.now() - t0;
	// The actor stamps startedAt (epoch ms, same clock) just before it sends `ready`.
	const readyMs = supervisor.accounts().map((a) => a.snapshot.startedAt - epoch);
	const notReady = supervisor.accounts().filter((a) => a.snapshot.state !== "ready").length;
	// Let the start-up usage polls and store writes finish before weighing.
	await sleep(job.settleMs);
	const rssAfter = await settledRss();
	await runtime.stop();
	await rm(home, { recursive: true, force: true });
	return { worker: job.worker, actors: job.accounts.length, readyMs, allReadyMs, notReady, rssBefore, rssAfter };
}

process.once("message", (job: ProbeJob) => {
	probe(job).then(
		(result) => process.send?.(result, () => process.exit(0)),
		(error: unknown) => process.send?.({ error: String(error) }, () => process.exit(1)),
	);
});
