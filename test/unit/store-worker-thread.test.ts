import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { tempHome } from "../fixtures/store/sample-data.ts";

// Account actors run in worker threads: each thread has its own in-thread queue, so only the
// cross-process lock keeps threads apart. This runs the store in two workers and the main thread.
describe("AccountStore in worker threads", () => {
	it("keeps every increment from two workers and the main thread", async () => {
		const home = await tempHome();
		const store = new AccountStore({ home });
		const workers = [0, 1].map(
			() =>
				new Worker(new URL("../fixtures/store/worker-counter.ts", import.meta.url), {
					workerData: { home, iterations: 20 },
				}),
		);
		const finished = workers.map(
			(worker) =>
				new Promise<void>((resolve, reject) => {
					worker.once("message", () => resolve());
					worker.once("error", reject);
				}),
		);
		for (let i = 0; i < 20; i++) {
			await store.update((data) => {
				data.state.counter ??= {};
				const entry = data.state.counter as { count?: number };
				entry.count = (entry.count ?? 0) + 1;
			});
		}
		await Promise.all(finished);
		await Promise.all(workers.map((worker) => worker.terminate()));
		expect(((await store.read()).state.counter as { count: number }).count).toBe(60);
	});
});
