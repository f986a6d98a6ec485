/**
 * One process of the store figures (store-figures.ts), for either store: argv[2] is the module
 * path of an AccountStore (this tree's, or the old one in another checkout), argv[3] the mode,
 * argv[4] the state folder. JSON lines on stdout; "go" on stdin starts the work.
 *   handoff <rounds> <holdMs>  takes the refresh lease of "acct-x" `rounds` times, holding it holdMs
 *   hold-lease                 takes the lease and holds it until killed
 *   exit-mid-write             a worker thread takes the write lock and stays in it; on "go" the
 *                              process exits (process.exit), as a `pi -p` with an actor mid-write
 *   refresh <tokenUrl>         refreshes acct-1..3 at once (single flight) while writing 20 cooldowns
 */
import { Worker } from "node:worker_threads";
import { go, holdLockOnce, now, say, sleep } from "./figure-child-io.ts";

const [storeModule = "", mode = "", home = "", ...rest] = process.argv.slice(2);
const { AccountStore } = (await import(storeModule)) as typeof import("../../src/store/account-store.ts");
const { refreshSingleFlight } = (await import(
	storeModule.replace("account-store.ts", "single-flight-refresh.ts")
)) as typeof import("../../src/store/single-flight-refresh.ts");

const store = new AccountStore({ home });
if (mode === "handoff") {
	const [rounds = "10", holdMs = "20"] = rest;
	say({ type: "ready" });
	await go();
	for (let i = 0; i < Number(rounds); i++)
		say({ type: "round", ...(await holdLockOnce(store, "acct-x", Number(holdMs))) });
	say({ type: "done" });
	process.exit(0);
} else if (mode === "hold-lease") {
	await store.withAccountLock("acct-x", async () => {
		say({ type: "holding" });
		await sleep(2 ** 31 - 1);
	});
} else if (mode === "exit-mid-write") {
	const worker = new Worker(
		`const { parentPort, workerData } = require("node:worker_threads");
		import(workerData.storeModule).then(({ AccountStore }) => {
			const store = new AccountStore({ home: workerData.home });
			store.update(() => { parentPort.postMessage("holding"); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });
		});`,
		{ eval: true, workerData: { storeModule, home } },
	);
	await new Promise((resolve) => worker.once("message", resolve));
	say({ type: "holding" });
	await go();
	say({ type: "exiting", at: now() });
	process.exit(0);
} else if (mode === "refresh") {
	const [tokenUrl = ""] = rest;
	say({ type: "ready" });
	await go();
	const spans: number[] = [];
	const writes = (async () => {
		for (let i = 0; i < 20; i++) {
			await store.update((data) => {
				data.state[`acct-${(i % 3) + 1}`] = {
					cooldownUntil: Date.now() + 60_000,
					cooldownReason: `w${process.pid}-${i}`,
				};
			});
		}
	})();
	await Promise.all(
		["acct-1", "acct-2", "acct-3"].map(async (id) => {
			let answered = 0;
			const outcome = await refreshSingleFlight(store, id, `access-${id}-1`, async (current) => {
				const res = await fetch(tokenUrl, {
					method: "POST",
					headers: { "content-type": "application/json" },
					body: JSON.stringify({ account: id, refresh_token: current.credentials.refresh }),
				});
				const body = (await res.json()) as { access_token: string; refresh_token: string };
				answered = now();
				return { access: body.access_token, refresh: body.refresh_token, expiresAt: Date.now() + 3_600_000 };
			});
			if (!outcome.adopted) spans.push(now() - answered);
		}),
	);
	await writes;
	say({ type: "done", spans });
	process.exit(0);
}
