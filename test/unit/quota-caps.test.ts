import { describe, expect, it } from "vitest";
import { parseCapRequest } from "../../src/commands/cap.ts";
import { capReached, capText, withCap } from "../../src/quota/caps.ts";
import { type Candidate, chooseAccount, unavailableReason } from "../../src/supervisor/selection-policy.ts";
import type { UsageSnapshot } from "../../src/usage/usage-snapshot.ts";
import { pollUsage } from "../fixtures/usage/poll-usage.ts";

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

const usage = (short: number, weekly: number, weeklyResetInHours?: number) =>
	pollUsage(NOW, short, weekly, weeklyResetInHours);

function account(id: string, u: UsageSnapshot, extra: Partial<Candidate> = {}): Candidate {
	return { id, label: id, state: "ready", usage: u, ...extra };
}

describe("caps", () => {
	it("an account's own cap wins over the pool-wide one, per window", () => {
		let caps = withCap(undefined, { all: true }, "weekly", { percent: 95 });
		caps = withCap(caps, { accountId: "a" }, "weekly", { percent: 80 });
		expect(capReached(caps, "a", usage(0, 85), NOW)).toEqual({ window: "weekly", percent: 80, hard: false });
		expect(capReached(caps, "b", usage(0, 85), NOW)).toBeUndefined();
		expect(capReached(caps, "b", usage(0, 95), NOW)).toMatchObject({ percent: 95 });
		// Removing the account's cap falls back to the pool's.
		caps = withCap(caps, { accountId: "a" }, "weekly", undefined);
		expect(caps).toEqual({ all: { weekly: { percent: 95 } } });
		expect(capReached(caps, "a", usage(0, 85), NOW)).toBeUndefined();
	});

	it("a window that has reset no longer counts, and the 5h cap reads the short window", () => {
		const caps = withCap(undefined, { all: true }, "5h", { percent: 50, hard: true });
		expect(capReached(caps, "a", usage(60, 10), NOW)).toEqual({ window: "5h", percent: 50, hard: true });
		expect(capReached(caps, "a", usage(60, 10), NOW + 3 * HOUR)).toBeUndefined();
		expect(capText({ window: "5h", percent: 50, hard: true })).toBe("at hard cap 50 % (5h)");
		expect(capText({ window: "weekly", percent: 90, hard: false })).toBe("at cap 90 %");
	});

	it("a soft-capped account serves only when nothing under its caps can, before credits", () => {
		const caps = withCap(undefined, { accountId: "a" }, "weekly", { percent: 90 });
		const capped = account("a", usage(0, 92, 1));
		const other = account("b", usage(0, 50, 100));
		expect(chooseAccount({ candidates: [capped, other], now: NOW, caps })).toEqual({
			id: "b",
			reason: "soonest-weekly-reset",
		});
		// Even pinned: the cap keeps the account out while another can serve.
		expect(chooseAccount({ candidates: [capped, other], now: NOW, caps, pinned: "a" })?.id).toBe("b");
		const onCredits = account("c", { ...usage(0, 100), credits: { hasCredits: true, unlimited: false } });
		expect(chooseAccount({ candidates: [capped, onCredits], now: NOW, caps })).toMatchObject({
			id: "a",
			overCap: true,
		});
		expect(chooseAccount({ candidates: [capped, other], now: NOW, caps, exclude: new Set(["b"]) })).toMatchObject({
			id: "a",
			overCap: true,
		});
	});

	it("a hard cap is never crossed and says why", () => {
		const caps = withCap(undefined, { all: true }, "weekly", { percent: 90, hard: true });
		const capped = account("a", usage(0, 90));
		expect(chooseAccount({ candidates: [capped], now: NOW, caps })).toBeUndefined();
		expect(unavailableReason(capped, NOW, "last-resort", undefined, caps)).toBe("at hard cap 90 %");
		expect(unavailableReason(capped, NOW, "last-resort")).toBeUndefined();
	});

	it("parses the command's arguments", () => {
		expect(parseCapRequest("work weekly 90%")).toEqual({
			target: { label: "work" },
			window: "weekly",
			rule: { percent: 90 },
		});
		expect(parseCapRequest("--all 5h 95 --hard")).toEqual({
			target: { all: true },
			window: "5h",
			rule: { percent: 95, hard: true },
		});
		expect(parseCapRequest("work week off")).toMatchObject({ rule: undefined });
		for (const bad of ["", "work", "work weekly", "work daily 90%", "work weekly 190%", "work weekly off --hard"]) {
			expect(() => parseCapRequest(bad)).toThrow(/Usage: \/dispatch-cap/);
		}
	});
});
