/**
 * Many short-lived `pi -p` processes on one pool (issue 10): what each learns is on disk when it
 * exits, and no exit path leaves a lease or a temp file behind.
 */
import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { describe, expect } from "vitest";
import { failoverNoticeLine } from "../helpers/shown-time.ts";
import { itWithWorld as it, type PiWorld, piArgs, runPrint, seenUsage } from "./helpers/pi-world.ts";

const DAY = 86_400_000;

/** Files a crashed writer could leave: temp files, side files of unsaved logins, lock folders. */
async function leftovers(world: PiWorld): Promise<string[]> {
	return (await readdir(world.home)).filter((n) => n.endsWith(".tmp") || n.startsWith("pending-") || n === "locks");
}

/** `pi -p` on one account whose token has expired, once its actor holds the refresh lease (token call in flight). */
async function printHoldingLease(world: PiWorld) {
	await world.seed([{ accountId: "acct-a" }], ["alpha"]);
	await world.store.update((data) => {
		data.accounts[0]!.credentials.expiresAt = Date.now() - 1000;
	});
	world.fake.token.delayMs = 5000;
	const child = spawn(process.execPath, piArgs(["-p", "hi"]), {
		env: world.env,
		cwd: world.root,
		stdio: ["ignore", "pipe", "pipe"],
	});
	const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
		child.on("close", (code, sig) => resolve({ code, signal: sig })),
	);
	await world.fake.waitForRequest((r) => r.route === "token");
	await expect.poll(async () => (await world.store.leases()).length, { timeout: 10_000 }).toBe(1);
	return { child, exited };
}

describe("pi -p processes on one pool", () => {
	it("10 runs in a row, the first account answering 429 each time: 10/10 cooldowns on disk, no lease, no temp file", {
		timeout: 240_000,
	}, async ({ world }) => {
		await world.seed([{ accountId: "acct-a" }, { accountId: "acct-b" }], ["alpha", "beta"]);
		for (let run = 0; run < 10; run++) {
			// A fresh reset time per run: the cooldown found on disk must be this run's.
			const resetsInSeconds = 3600 + run * 60;
			world.fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds }, { times: 1 });
			// alpha's week resets soonest, so the policy tries it first (and meets the 429).
			await world.store.update((data) => {
				data.state["acct-a"] = { usage: seenUsage(10, DAY) };
				data.state["acct-b"] = { usage: seenUsage(20, 6 * DAY) };
			});
			const before = Date.now();
			const result = await runPrint(world, `run ${run}`);
			expect(result.code, result.stderr).toBe(0);
			expect(result.stdout).toBe("Hello from acct-b.\n");
			expect(result.stderr).toMatch(failoverNoticeLine("alpha", "beta"));
			const until = (await world.store.read()).state["acct-a"]?.cooldownUntil;
			expect(until, `run ${run}: cooldown on disk`).toBeGreaterThanOrEqual(before + resetsInSeconds * 1000 - 2000);
			expect(until).toBeLessThanOrEqual(Date.now() + resetsInSeconds * 1000 + 2000);
			expect(await world.store.leases()).toEqual([]);
			expect(await leftovers(world)).toEqual([]);
		}
	});

	// pi's print mode handles SIGTERM and SIGHUP (dispose, then exit): the actors release, and the
	// exit sweep drops whatever a thread still held. SIGINT has no handler there: Node dies at once,
	// no JS runs. Its row stays, naming a dead pid, and is taken over at the next look (below).
	it.for(["SIGTERM", "SIGHUP"] as const)(
		"%s while an actor holds the refresh lease (token call in flight): no lease and no temp file left",
		{ timeout: 60_000 },
		async (signal, { world }) => {
			const { child, exited } = await printHoldingLease(world);
			child.kill(signal);
			const exit = await exited;
			expect(exit.code !== 0 || exit.signal !== null).toBe(true);
			expect(await world.store.leases()).toEqual([]);
			expect(await leftovers(world)).toEqual([]);
		},
	);

	it("SIGINT (Ctrl-C, no handler in print mode) mid-refresh: no temp file; the dead pid's lease is taken over at once", {
		timeout: 60_000,
	}, async ({ world }) => {
		const { child, exited } = await printHoldingLease(world);
		child.kill("SIGINT");
		await exited;
		expect((await world.store.leases()).map((l) => l.pid)).toEqual([child.pid]);
		expect(await leftovers(world)).toEqual([]);
		const started = performance.now();
		await world.store.withAccountLock("acct-a", async () => {});
		expect(performance.now() - started).toBeLessThan(1000);
		expect(await world.store.leases()).toEqual([]);
	});
});
