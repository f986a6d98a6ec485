import { describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";
import { spawnChild } from "../fixtures/store/spawn-child.ts";

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Counts calls; `waitForCalls` resolves with the ms from `since` once `n` calls have come. */
function recorder() {
	let calls = 0;
	return {
		onChange: () => {
			calls++;
		},
		calls: () => calls,
		async waitForCalls(n: number, timeoutMs: number, since = Date.now()): Promise<number> {
			while (calls < n) {
				if (Date.now() - since > timeoutMs)
					throw new Error(`${calls} change notices, wanted ${n}, within ${timeoutMs} ms`);
				await sleep(5);
			}
			return Date.now() - since;
		},
	};
}

async function seeded(): Promise<AccountStore> {
	const store = new AccountStore({ home: await tempHome() });
	await store.update((d) => {
		d.accounts.push(account("acct-a"));
	});
	return store;
}

describe("AccountStore.watch", () => {
	it("fires within a second when another writer changes the file, once per change", async () => {
		const store = await seeded();
		const other = new AccountStore({ home: store.home });
		const seen = recorder();
		const stop = store.watch(seen.onChange);
		try {
			const since = Date.now();
			await other.update((d) => {
				d.accounts.push(account("acct-b"));
			});
			expect(await seen.waitForCalls(1, 1000, since)).toBeLessThanOrEqual(1000);
			await sleep(700); // a poll round: the watch event and the poll must not both report it
			expect(seen.calls()).toBe(1);
		} finally {
			stop();
		}
	});

	it("fires when another process writes", async () => {
		const store = await seeded();
		const seen = recorder();
		const stop = store.watch(seen.onChange);
		try {
			const child = spawnChild("one-update-child.ts", [store.home, "child", "16"]);
			// Child start-up time is not the watcher's latency: count from the child's report.
			await child.next("done", 30_000);
			await seen.waitForCalls(1, 1000);
			expect((await store.read()).accounts.map((a) => a.label)).toContain("child");
		} finally {
			stop();
		}
	});

	it("stays quiet about this instance's own writes", async () => {
		const store = await seeded();
		const seen = recorder();
		const stop = store.watch(seen.onChange);
		try {
			await store.update((d) => {
				d.accounts.push(account("acct-b"));
			});
			await sleep(700);
			expect(seen.calls()).toBe(0);
			await new AccountStore({ home: store.home }).update((d) => {
				d.accounts.pop();
			});
			await seen.waitForCalls(1, 1000);
		} finally {
			stop();
		}
	});

	it("notices the first write into a pool that did not exist yet", async () => {
		const store = new AccountStore({ home: await tempHome() });
		const seen = recorder();
		const stop = store.watch(seen.onChange);
		try {
			await new AccountStore({ home: store.home }).update((d) => {
				d.accounts.push(account("acct-a"));
			});
			await seen.waitForCalls(1, 1500);
		} finally {
			stop();
		}
	});

	it("stops after unsubscribe", async () => {
		const store = await seeded();
		const seen = recorder();
		store.watch(seen.onChange)();
		await new AccountStore({ home: store.home }).update((d) => {
			d.accounts.push(account("acct-b"));
		});
		await sleep(700);
		expect(seen.calls()).toBe(0);
	});

	it("does not keep the process alive", async () => {
		const store = await seeded();
		const child = spawnChild("watch-exit-child.ts", [store.home]);
		await child.next("watching");
		const exit = await Promise.race([child.exited, sleep(5000).then(() => "still running" as const)]);
		if (exit === "still running") child.proc.kill("SIGKILL");
		expect(exit).toEqual({ code: 0, signal: null });
	});
});

describe("AccountStore.watch without fs.watch (file systems where it is deaf)", () => {
	it("reports another connection's commit within a second from the data_version poll alone", async () => {
		const seededStore = await seeded();
		const store = new AccountStore({ home: seededStore.home, useFsWatch: false });
		const seen = recorder();
		const stop = store.watch(seen.onChange);
		try {
			const since = Date.now();
			await seededStore.update((d) => {
				d.accounts.push(account("acct-b"));
			});
			expect(await seen.waitForCalls(1, 1000, since)).toBeLessThanOrEqual(1000);
		} finally {
			stop();
		}
	});
});
