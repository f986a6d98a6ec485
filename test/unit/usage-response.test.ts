/** `GET wham/usage` bodies: each field's rule on its own row (what is dropped, what is kept, what decides a refusal). */
import { describe, expect, it } from "vitest";
import { usageFromWhamResponse } from "../../src/usage/usage-response.ts";

const NOW = 1_800_000_000_000;
const base = { observedAt: NOW, source: "poll" };
const window = { used_percent: 40, limit_window_seconds: 18_000, reset_at: NOW / 1000 + 60 };
const parsedWindow = { usedPercent: 40, windowMinutes: 300, resetsAt: NOW + 60_000 };

describe("usageFromWhamResponse, field by field", () => {
	it.each([[null], [undefined], ["text"], [5], [true]])("%j is no usage", (json) => {
		expect(usageFromWhamResponse(json, NOW)).toBeUndefined();
	});

	it.each<[string, unknown, unknown]>([
		["an empty body", {}, undefined],
		["a plan only", { plan_type: "plus" }, { planType: "plus", ...base }],
		[
			"a plan that is no string",
			{ plan_type: 5, rate_limit: { primary_window: window } },
			{ primary: parsedWindow, ...base },
		],
		["a primary window only", { rate_limit: { primary_window: window } }, { primary: parsedWindow, ...base }],
		["a secondary window only", { rate_limit: { secondary_window: window } }, { secondary: parsedWindow, ...base }],
		["rate_limit null", { rate_limit: null, plan_type: "team" }, { planType: "team", ...base }],
		[
			"credits only",
			{ credits: { has_credits: true } },
			{ credits: { hasCredits: true, unlimited: false }, ...base },
		],
		[
			"unlimited only",
			{ credits: { unlimited: "true" } },
			{ credits: { hasCredits: false, unlimited: true }, ...base },
		],
		["credits with neither flag", { credits: { balance: "5" } }, undefined],
		["credits that are no object", { credits: "lots" }, undefined],
		["credits null", { credits: null }, undefined],
		[
			"a numeric balance",
			{ credits: { has_credits: true, unlimited: false, balance: 12.5 } },
			{ credits: { hasCredits: true, unlimited: false, balance: "12.5" }, ...base },
		],
		[
			"a padded balance",
			{ credits: { has_credits: true, unlimited: false, balance: " 3.2 " } },
			{ credits: { hasCredits: true, unlimited: false, balance: "3.2" }, ...base },
		],
		[
			"a blank balance",
			{ credits: { has_credits: true, unlimited: false, balance: "  " } },
			{ credits: { hasCredits: true, unlimited: false }, ...base },
		],
		["a refusal only", { rate_limit: { allowed: false } }, { refused: "not allowed", ...base }],
		[
			"a refusal with its type",
			{ rate_limit: { allowed: "false" }, rate_limit_reached_type: { type: "workspace_owner_usage_limit_reached" } },
			{ refused: "workspace_owner_usage_limit_reached", ...base },
		],
		[
			"a reached type that is no string",
			{ rate_limit: { limit_reached: true }, rate_limit_reached_type: { type: 7 } },
			{ refused: "limit reached", ...base },
		],
		[
			"limit_reached with unlimited credits is served, not refused",
			{ rate_limit: { limit_reached: true }, credits: { unlimited: true } },
			{ credits: { hasCredits: false, unlimited: true }, ...base },
		],
		[
			"limit_reached without credits",
			{ rate_limit: { limit_reached: true }, credits: { has_credits: false, unlimited: false } },
			{ credits: { hasCredits: false, unlimited: false }, refused: "limit reached", ...base },
		],
		[
			"allowed:false wins over credits",
			{ rate_limit: { allowed: false }, credits: { has_credits: true, unlimited: true } },
			{ credits: { hasCredits: true, unlimited: true }, refused: "not allowed", ...base },
		],
		[
			"a spend control reached wins over credits",
			{ spend_control: { reached: true }, credits: { has_credits: true } },
			{ credits: { hasCredits: true, unlimited: false }, refused: "spend control reached", ...base },
		],
		[
			"a spend control not reached",
			{ spend_control: { reached: false }, plan_type: "pro" },
			{ planType: "pro", ...base },
		],
		[
			"allowed and not reached",
			{ rate_limit: { allowed: true, limit_reached: false }, plan_type: "pro" },
			{ planType: "pro", ...base },
		],
	])("%s", (_, json, expected) => {
		expect(usageFromWhamResponse(json, NOW)).toEqual(expected);
	});

	it.each<[string, unknown, unknown]>([
		["no used_percent", { limit_window_seconds: 18_000 }, undefined],
		["an empty slot (0 %, 0 s, no reset)", { used_percent: 0, limit_window_seconds: 0 }, undefined],
		[
			"0 % of a real window",
			{ used_percent: 0, limit_window_seconds: 18_000 },
			{ usedPercent: 0, windowMinutes: 300 },
		],
		[
			"0 % with only a reset",
			{ used_percent: 0, reset_at: NOW / 1000 + 5 },
			{ usedPercent: 0, windowMinutes: 0, resetsAt: NOW + 5000 },
		],
		["used without a length", { used_percent: 3 }, { usedPercent: 3, windowMinutes: 0 }],
		[
			"reset_after_seconds when there is no reset_at",
			{ used_percent: 3, limit_window_seconds: 604_800, reset_after_seconds: 10 },
			{ usedPercent: 3, windowMinutes: 10_080, resetsAt: NOW + 10_000 },
		],
		["a window that is no object", 40, undefined],
	])("window: %s", (_, raw, expected) => {
		const usage = usageFromWhamResponse({ plan_type: "plus", rate_limit: { primary_window: raw } }, NOW);
		if (expected === undefined) expect(usage).not.toHaveProperty("primary");
		else expect(usage?.primary).toEqual(expected);
	});

	it("per-model limits: named by metered_feature, else by name; entries without an id or a window are dropped", () => {
		const usage = usageFromWhamResponse(
			{
				additional_rate_limits: [
					null,
					"codex_x",
					{
						limit_name: "GPT-5.3-Codex-Spark",
						metered_feature: "codex_bengalfox",
						rate_limit: { primary_window: window },
					},
					{ limit_name: "codex-other", rate_limit: { secondary_window: window } },
					{ limit_name: 5, metered_feature: "codex_third", rate_limit: { primary_window: window } },
					{ rate_limit: { primary_window: window } },
					{ metered_feature: "codex_empty", rate_limit: { primary_window: { used_percent: 0 } } },
					{ metered_feature: "codex_none" },
					{ metered_feature: "codex_null", rate_limit: null },
				],
			},
			NOW,
		);
		expect(usage).toEqual({
			limits: [
				{ id: "codex_bengalfox", name: "GPT-5.3-Codex-Spark", primary: parsedWindow },
				{ id: "codex_other", name: "codex-other", secondary: parsedWindow },
				{ id: "codex_third", primary: parsedWindow },
			],
			...base,
		});
		expect(usageFromWhamResponse({ additional_rate_limits: "none" }, NOW)).toBeUndefined();
		expect(usageFromWhamResponse({ additional_rate_limits: [] }, NOW)).toBeUndefined();
	});
});
