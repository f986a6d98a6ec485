/**
 * Stopping the supervisor while it re-reads the store (another process, or the actor's own usage
 * poll, just wrote it) must leave no actor thread behind: one would keep pi alive after it answered.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/dispatch-harness.ts";

let h: Harness | undefined;
afterEach(async () => {
	await h?.close();
	h = undefined;
});

describe("Supervisor.stop during a store reload", () => {
	it("starts no actor after stop, at whatever point of the reload stop lands", async () => {
		// Stop lands after 0, 1, 2, … turns of the event loop into a reload.
		for (let turns = 0; turns < 8; turns++) {
			await h?.close();
			h = await startHarness({ accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }] });
			const { supervisor } = h;
			const reloaded = supervisor.reload();
			for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
			await supervisor.stop();
			await reloaded;
			expect(supervisor.accounts(), `stop after ${turns} turns`).toEqual([]);
		}
	});
});
