import { describe, expect, it } from "vitest";
import { usageFromHeaders } from "../../src/usage/rate-limit-headers.ts";
import { mergeSharedState } from "../../src/usage/shared-state-merge.ts";
import { usageFromWhamResponse } from "../../src/usage/usage-response.ts";
import { isOnCredits, isUsageExhausted, longestWindow, shortestWindow } from "../../src/usage/usage-snapshot.ts";

const NOW = 1_800_000_000_000;
const RESET = 1_800_500_000;

/** The per-model limit `codex_bengalfox` as parsed: one 5-hour window. */
const bengalfox = (name: string, usedPercent: number) => ({
	id: "codex_bengalfox",
	name,
	primary: { usedPercent, windowMinutes: 300, resetsAt: RESET * 1000 },
});

/** Live Free-plan headers (icebear0828/codex-proxy#65): weekly as primary, an empty secondary. */
const FREE_HEADERS: Record<string, string> = {
	"x-codex-plan-type": "free",
	"x-codex-active-limit": "codex",
	"x-codex-primary-used-percent": "99",
	"x-codex-primary-window-minutes": "10080",
	"x-codex-primary-reset-at": String(RESET),
	"x-codex-primary-reset-after-seconds": "500000",
	"x-codex-secondary-used-percent": "0",
	"x-codex-secondary-window-minutes": "0",
	"x-codex-secondary-reset-at": "",
	"x-codex-secondary-reset-after-seconds": "0",
	"x-codex-credits-has-credits": "False",
	"x-codex-credits-unlimited": "False",
	"x-codex-credits-balance": "",
};

describe("usageFromHeaders", () => {
	it("drops an empty window and knows the weekly one by its length", () => {
		const usage = usageFromHeaders(FREE_HEADERS, NOW);
		expect(usage?.secondary).toBeUndefined();
		expect(usage?.primary).toEqual({ usedPercent: 99, windowMinutes: 10080, resetsAt: RESET * 1000 });
		expect(longestWindow(usage)?.windowMinutes).toBe(10080);
		expect(shortestWindow(usage)).toBeUndefined();
		expect(usage?.credits).toEqual({ hasCredits: false, unlimited: false });
	});

	it.each([
		["True", true],
		["true", true],
		["1", true],
		["False", false],
		["0", false],
	])("reads has-credits %s", (raw, has) => {
		const usage = usageFromHeaders({ ...FREE_HEADERS, "x-codex-credits-has-credits": raw }, NOW);
		expect(usage?.credits?.hasCredits).toBe(has);
	});

	it("a full window with credits is served on credits, not exhausted", () => {
		const full = { ...FREE_HEADERS, "x-codex-primary-used-percent": "100", "x-codex-credits-balance": "4.20" };
		const without = usageFromHeaders(full, NOW);
		expect(isUsageExhausted(without)).toBe(true);
		const withCredits = usageFromHeaders({ ...full, "x-codex-credits-has-credits": "True" }, NOW);
		expect(withCredits?.credits).toEqual({ hasCredits: true, unlimited: false, balance: "4.20" });
		expect(isUsageExhausted(withCredits)).toBe(false);
		expect(isOnCredits(withCredits)).toBe(true);
		const unlimited = usageFromHeaders({ ...full, "x-codex-credits-unlimited": "1" }, NOW);
		expect(isUsageExhausted(unlimited)).toBe(false);
	});

	it("reads the active limit and the other per-model families", () => {
		const usage = usageFromHeaders(
			{
				...FREE_HEADERS,
				"x-codex-active-limit": "codex_bengalfox",
				"x-codex-bengalfox-primary-used-percent": "100",
				"x-codex-bengalfox-primary-window-minutes": "300",
				"x-codex-bengalfox-primary-reset-at": String(RESET),
				"x-codex-bengalfox-limit-name": "gpt-5.3-codex-spark",
			},
			NOW,
		);
		expect(usage?.activeLimit).toBe("codex_bengalfox");
		expect(usage?.limits).toEqual([bengalfox("gpt-5.3-codex-spark", 100)]);
		// The per-model family's full window does not exhaust the account.
		expect(isUsageExhausted(usage)).toBe(false);
	});
});

describe("usageFromWhamResponse", () => {
	const window = (used: number, seconds: number) => ({
		used_percent: used,
		limit_window_seconds: seconds,
		reset_after_seconds: 1000,
		reset_at: RESET,
	});

	it("a null rate_limit (usage-based plans) still gives plan and credits", () => {
		const usage = usageFromWhamResponse(
			{ plan_type: "business", rate_limit: null, credits: { has_credits: true, unlimited: false, balance: "" } },
			NOW,
		);
		expect(usage).toMatchObject({ planType: "business", credits: { hasCredits: true, unlimited: false } });
		expect(usage?.primary).toBeUndefined();
		expect(isUsageExhausted(usage)).toBe(false);
	});

	it("allowed:false is a refusal although the windows have room", () => {
		const usage = usageFromWhamResponse(
			{
				plan_type: "team",
				rate_limit: {
					allowed: false,
					limit_reached: false,
					primary_window: window(20, 18000),
					secondary_window: null,
				},
				rate_limit_reached_type: { type: "workspace_member_credits_depleted" },
			},
			NOW,
		);
		expect(usage?.refused).toBe("workspace_member_credits_depleted");
		expect(isUsageExhausted(usage)).toBe(true);
	});

	it("limit_reached with credits serves on credits; without credits it is a refusal", () => {
		const body = {
			plan_type: "free",
			rate_limit: {
				allowed: true,
				limit_reached: true,
				primary_window: window(100, 2_592_000),
				secondary_window: { used_percent: 0, limit_window_seconds: 0, reset_after_seconds: 0, reset_at: 0 },
			},
			rate_limit_reached_type: { type: "rate_limit_reached" },
		};
		const onCredits = usageFromWhamResponse(
			{ ...body, credits: { has_credits: true, unlimited: false, balance: "7" } },
			NOW,
		);
		expect(onCredits?.refused).toBeUndefined();
		expect(longestWindow(onCredits)?.windowMinutes).toBe(43200);
		expect(onCredits?.secondary).toBeUndefined();
		expect(isOnCredits(onCredits)).toBe(true);
		const broke = usageFromWhamResponse({ ...body, credits: { has_credits: false, unlimited: false } }, NOW);
		expect(broke?.refused).toBe("rate_limit_reached");
		expect(isUsageExhausted(broke)).toBe(true);
	});

	it("spend_control.reached is a refusal; additional_rate_limits become per-model limits", () => {
		const usage = usageFromWhamResponse(
			{
				plan_type: "pro",
				rate_limit: { allowed: true, limit_reached: false, primary_window: window(5, 18000) },
				spend_control: { reached: true },
				additional_rate_limits: [
					{
						limit_name: "GPT-5.3-Codex-Spark",
						metered_feature: "codex_bengalfox",
						rate_limit: { allowed: true, limit_reached: false, primary_window: window(30, 18000) },
					},
				],
			},
			NOW,
		);
		expect(usage?.refused).toBe("spend control reached");
		expect(usage?.limits).toEqual([bengalfox("GPT-5.3-Codex-Spark", 30)]);
	});
});

describe("mergeSharedState", () => {
	it("a retraction ends the cooldown it saw, and not a later one found meanwhile", () => {
		const stored = { cooldownUntil: NOW + 1000, cooldownReason: "usage_limit_reached" };
		expect(mergeSharedState(stored, { retractCooldownUpTo: NOW + 1000 }, NOW)).toEqual({});
		expect(mergeSharedState(stored, { retractCooldownUpTo: NOW + 500 }, NOW)).toEqual(stored);
	});

	it("keeps the later per-limit cooldown and drops ended ones", () => {
		const merged = mergeSharedState(
			{ limitCooldowns: { codex_other: NOW - 1, codex_bengalfox: NOW + 10 } },
			{ limitCooldowns: { codex_bengalfox: NOW + 5 }, limitModels: { "gpt-x": "codex_bengalfox" } },
			NOW,
		);
		expect(merged).toEqual({
			limitCooldowns: { codex_bengalfox: NOW + 10 },
			limitModels: { "gpt-x": "codex_bengalfox" },
		});
	});
});
