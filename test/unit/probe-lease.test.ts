import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { claimProbe } from "../../src/supervisor/probe-lease.ts";
import { mergeSharedState, PROBE_MIN_COOLDOWN_MS } from "../../src/usage/shared-state-merge.ts";

const NOW = 1_800_000_000_000;

describe("probe at a cooldown's end", () => {
	let home: string | undefined;
	afterEach(async () => {
		if (home) await rm(home, { recursive: true, force: true });
	});

	it("a cooldown written to the store makes its end a probe; a success or a retraction ends it", () => {
		const END = NOW + PROBE_MIN_COOLDOWN_MS;
		const cooled = mergeSharedState(undefined, { cooldownUntil: END, cooldownReason: "usage_limit_reached" }, NOW);
		expect(cooled.probeDue).toBe(END);
		// The cooldown itself is dropped once over; the probe stays due.
		const over = mergeSharedState(cooled, {}, END + 1);
		expect(over).toEqual({ probeDue: END });
		const leased = { ...over, probeLease: { owner: "p", until: END + 50 } };
		expect(mergeSharedState(leased, { probed: true }, END + 1)).toEqual({});
		expect(mergeSharedState({ ...cooled, ...leased }, { retractCooldownUpTo: END }, NOW)).toEqual({});
		// A throttle of seconds is not probed.
		expect(mergeSharedState(undefined, { cooldownUntil: NOW + 5000 }, NOW).probeDue).toBeUndefined();
	});

	it("gives the probe lease to one process at a time, and to another once it lapses", async () => {
		home = await mkdtemp(join(tmpdir(), "pi-dispatch-probe-"));
		const store = new AccountStore({ home });
		await store.update((data) => {
			data.state.a = { probeDue: NOW - 1 };
		});
		const [first, second] = await Promise.all([
			claimProbe(store, "a", "p1", NOW, 1000),
			claimProbe(store, "a", "p2", NOW, 1000),
		]);
		expect([first, second].filter(Boolean)).toHaveLength(1);
		expect(await claimProbe(store, "a", "p3", NOW + 999, 1000)).toBe(false);
		expect(await claimProbe(store, "a", "p3", NOW + 1000, 1000)).toBe(true);
		// No probe due: nothing to claim.
		expect(await claimProbe(store, "b", "p1", NOW, 1000)).toBe(true);
		store.close();
	});
});
