import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseAlertsArgs } from "../../src/commands/alerts.ts";
import type { ActorSnapshot } from "../../src/protocol/messages.ts";
import { AlertWatch } from "../../src/quota/alert-watch.ts";
import { claimAlerts, dueAlerts } from "../../src/quota/alerts.ts";
import type { PoolSettings, StoreData } from "../../src/store/account-record.ts";
import { AccountStore } from "../../src/store/account-store.ts";
import type { AccountView } from "../../src/supervisor/supervisor.ts";
import { accountView } from "../helpers/account-view.ts";

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

function view(id: string, weekly: number, state: ActorSnapshot["state"] = "ready"): AccountView {
	return accountView(id, id, {
		state,
		activation: "dormant",
		startedAt: NOW,
		usage: {
			secondary: { usedPercent: weekly, windowMinutes: 10080, resetsAt: NOW + 48 * HOUR },
			observedAt: NOW,
			source: "poll",
		},
	});
}

describe("alert thresholds", () => {
	it("fires each crossed threshold once, as one alert when several are crossed at once, and re-arms above it", () => {
		const settings: PoolSettings = {};
		expect(claimAlerts(settings, { remaining: 60, needsLogin: [] }, NOW)).toEqual([]);
		expect(settings).toEqual({});
		expect(claimAlerts(settings, { remaining: 20, needsLogin: [] }, NOW)).toEqual([
			{ kind: "pool", threshold: 25, remaining: 20, crossed: [50, 25] },
		]);
		expect(claimAlerts(settings, { remaining: 18, needsLogin: [] }, NOW + 1)).toEqual([]);
		expect(claimAlerts(settings, { remaining: 9, needsLogin: [] }, NOW + 2)).toMatchObject([{ threshold: 10 }]);
		// A weekly reset: back above every threshold (with a margin), so each may fire again.
		expect(claimAlerts(settings, { remaining: 52, needsLogin: [] }, NOW + 3)).toEqual([]);
		expect(settings.alerts?.fired?.pool).toEqual({ "50": NOW });
		expect(claimAlerts(settings, { remaining: 90, needsLogin: [] }, NOW + 4)).toEqual([]);
		expect(settings).toEqual({});
		expect(claimAlerts(settings, { remaining: 45, needsLogin: [] }, NOW + 5)).toMatchObject([{ threshold: 50 }]);
	});

	it("says a needs-login once per expiry, and nothing when turned off or with its own thresholds", () => {
		const settings: PoolSettings = {};
		const expired = { id: "a", label: "work", since: NOW };
		expect(claimAlerts(settings, { remaining: undefined, needsLogin: [expired] }, NOW)).toEqual([
			{ kind: "needs-login", ...expired },
		]);
		expect(claimAlerts(settings, { remaining: undefined, needsLogin: [expired] }, NOW)).toEqual([]);
		// Logged in again, then expired again later: a new notice.
		claimAlerts(settings, { remaining: undefined, needsLogin: [] }, NOW + HOUR);
		expect(
			claimAlerts(settings, { remaining: undefined, needsLogin: [{ ...expired, since: NOW + 2 * HOUR }] }, NOW),
		).toHaveLength(1);
		expect(dueAlerts({ enabled: false }, { remaining: 1, needsLogin: [expired] })).toEqual([]);
		expect(dueAlerts({ thresholds: [80] }, { remaining: 70, needsLogin: [] })).toMatchObject([{ threshold: 80 }]);
		expect(parseAlertsArgs("40, 20% 5")).toEqual({ enabled: true, thresholds: [40, 20, 5] });
		expect(parseAlertsArgs("off")).toEqual({ enabled: false });
		expect(() => parseAlertsArgs("often")).toThrow(/Usage: \/dispatch-alerts/);
	});
});

describe("alerts across processes", () => {
	let home: string;
	const stores: AccountStore[] = [];
	beforeEach(async () => {
		home = await mkdtemp(join(tmpdir(), "pi-dispatch-alerts-"));
	});
	afterEach(async () => {
		for (const s of stores.splice(0)) s.close();
		await rm(home, { recursive: true, force: true });
	});

	/** One pi process's view: its own store connection, settings as last read, the pool's accounts. */
	function processOn(views: AccountView[], notes: string[]) {
		const store = new AccountStore({ home });
		stores.push(store);
		let settings: PoolSettings = {};
		const source = {
			accounts: () => views,
			settings: () => settings,
			async updateSettings<T>(edit: (s: PoolSettings, data: StoreData) => T): Promise<T> {
				let result!: T;
				settings = await store.update((data) => {
					const next = structuredClone(data.settings ?? {});
					result = edit(next, data);
					data.settings = next;
					return next;
				});
				return result;
			},
		};
		return new AlertWatch(
			source,
			(text) => notes.push(text),
			() => NOW,
		);
	}

	it("one notice per threshold for the whole pool, however many processes check at once", async () => {
		const views = [view("a", 80), view("b", 90)]; // 15% left
		const notes: string[][] = [[], [], [], []];
		const watches = notes.map((n) => processOn(views, n));
		await Promise.all(watches.map((w) => w.check()));
		await Promise.all(watches.map((w) => w.check()));
		expect(notes.flat()).toEqual([
			"pi-dispatch: the pool has 15% of its weekly quota left (alert at 25%); /dispatch-status shows the runway.",
		]);
		const reader = new AccountStore({ home });
		stores.push(reader);
		const stored = await reader.read();
		expect(stored.settings?.alerts?.fired?.pool).toEqual({ "50": NOW, "25": NOW });
	});
});
