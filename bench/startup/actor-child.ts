/**
 * One sample of an actor's start-up cost, in a fresh process (forked with --expose-gc by
 * actor-cost.ts) so that no earlier sample's isolates or heap flatter it. Starts N actor threads
 * as the supervisor does (a one-thread piscina pool each, the real worker entry, the `start`
 * message) and reports each thread's start → `ready` time and the process RSS before and after.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageChannel, type ResourceLimits } from "node:worker_threads";
import { Piscina } from "piscina";
import { type ActorConfig, type ActorToSupervisor, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import type { AccountCredentials } from "../../src/store/account-record.ts";
import { actorPoolOptions } from "../../src/supervisor/worker-file.ts";
import { settledRss } from "../lib/settled-rss.ts";
import { sleep } from "../lib/wait.ts";

export interface ActorCostJob {
	entry: string;
	resourceLimits?: ResourceLimits;
	accounts: { id: string; credentials: AccountCredentials }[];
	config: Omit<ActorConfig, "home">;
	/** Quiet time before the first weighing and after the last `ready` (the start-up usage poll). */
	settleMs: number;
}

export interface ActorCostResult {
	readyMs: number[];
	allReadyMs: number;
	rssBefore: number;
	rssAfter: number;
	/** Actors whose start-up usage poll was answered before the second weighing. */
	usagePolled: number;
}

async function sample(job: ActorCostJob): Promise<ActorCostResult> {
	const home = await mkdtemp(join(tmpdir(), "pi-dispatch-actor-cost-"));
	const config: ActorConfig = { ...job.config, home };
	await sleep(job.settleMs);
	const rssBefore = await settledRss();
	const pools: Piscina[] = [];
	const polled = new Set<string>();
	const t0 = performance.now();
	const ready = job.accounts.map((account) => {
		// The pool as ActorHandle builds it.
		const pool = new Piscina({
			...actorPoolOptions(new URL(job.entry, "file:///")),
			...(job.resourceLimits ? { resourceLimits: job.resourceLimits } : {}),
		});
		pools.push(pool);
		const { port1, port2 } = new MessageChannel();
		port1.unref();
		const readyMs = new Promise<number>((resolve, reject) => {
			port1.on("message", (message: ActorToSupervisor) => {
				if (message.type === "ready") resolve(performance.now() - t0);
				if (message.type === "snapshot" && message.snapshot.usage) polled.add(account.id);
			});
			pool.run({ port: port2 }, { transferList: [port2] }).catch(reject);
		});
		port1.postMessage({
			v: PROTOCOL_VERSION,
			type: "start",
			account: { id: account.id, label: account.id },
			credentials: account.credentials,
			shared: {},
			restarts: 0,
			config,
		});
		return { port1, readyMs };
	});
	const readyMs = await Promise.all(ready.map((r) => r.readyMs));
	const allReadyMs = performance.now() - t0;
	await sleep(job.settleMs);
	const rssAfter = await settledRss();
	for (const { port1 } of ready) port1.postMessage({ v: PROTOCOL_VERSION, type: "shutdown" });
	await Promise.all(pools.map((pool) => pool.destroy().catch(() => undefined)));
	await rm(home, { recursive: true, force: true });
	return { readyMs, allReadyMs, rssBefore, rssAfter, usagePolled: polled.size };
}

process.once("message", (job: ActorCostJob) => {
	sample(job).then(
		(result) => process.send?.(result, () => process.exit(0)),
		(error: unknown) => process.send?.({ error: String(error) }, () => process.exit(1)),
	);
});
