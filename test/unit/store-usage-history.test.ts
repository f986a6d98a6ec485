import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";

const NOW = 1_800_000_000_000;
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

let home: string;
let stores: AccountStore[] = [];
beforeEach(async () => {
	home = await mkdtemp(join(tmpdir(), "pi-dispatch-history-"));
});
afterEach(async () => {
	for (const s of stores) s.close();
	stores = [];
	await rm(home, { recursive: true, force: true });
});

function open(): AccountStore {
	const store = new AccountStore({ home });
	stores.push(store);
	return store;
}

describe("usage history", () => {
	it("keeps at most one sample a minute per account, whichever connection writes it", async () => {
		const [one, two] = [open(), open()];
		expect(await one.readUsageHistory("a", 0)).toEqual([]);
		const writes = await Promise.all(
			Array.from({ length: 10 }, (_, i) =>
				(i % 2 ? one : two).appendUsageSample("a", { at: NOW + i * 1000, weekly: i }),
			),
		);
		expect(writes.filter(Boolean)).toHaveLength(1);
		expect(await one.appendUsageSample("b", { at: NOW + 5000, weekly: 3 })).toBe(true);
		expect(await two.appendUsageSample("a", { at: NOW + MIN + 1, weekly: 12, weeklyResetsAt: NOW + DAY })).toBe(true);
		expect(await one.readUsageHistory("a", NOW + 30_000)).toEqual([
			{ at: NOW + MIN + 1, weekly: 12, weeklyResetsAt: NOW + DAY },
		]);
		expect(await two.readUsageHistory("a", 0)).toHaveLength(2);
	});

	it("is bounded: a week kept, one sample per 15 minutes beyond the last day", async () => {
		const store = open();
		const start = NOW - 8 * DAY;
		for (let t = start; t <= NOW; t += 5 * MIN) await store.appendUsageSample("a", { at: t, weekly: 1 });
		const kept = await store.readUsageHistory("a", 0);
		expect(kept[0]!.at).toBeGreaterThanOrEqual(NOW - 7 * DAY);
		const lastDay = kept.filter((s) => s.at >= NOW - DAY);
		expect(lastDay).toHaveLength(24 * 12 + 1);
		const older = kept.filter((s) => s.at < NOW - DAY);
		expect(older.length).toBeLessThanOrEqual(6 * 24 * 4 + 1);
		for (const [i, s] of older.slice(1).entries()) expect(s.at - older[i]!.at).toBeGreaterThanOrEqual(15 * MIN);
	});
});
