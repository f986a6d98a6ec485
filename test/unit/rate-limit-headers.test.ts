/** `x-codex-*` headers and `retry-after`: each rule on its own row. */
import { describe, expect, it } from "vitest";
import {
	activeLimitFromHeaders,
	limitId,
	retryAfterFromHeaders,
	toBool,
	toNumber,
	usageFromHeaders,
} from "../../src/usage/rate-limit-headers.ts";

const NOW = 1_800_000_000_000;
const base = { observedAt: NOW, source: "headers" };
const primary = (used: string, extra: Record<string, string> = {}) => ({
	"x-codex-primary-used-percent": used,
	"x-codex-primary-window-minutes": "300",
	...extra,
});

describe("usageFromHeaders, rule by rule", () => {
	it.each<[string, Record<string, string>, unknown]>([
		["no x-codex headers", { "content-type": "text/event-stream" }, undefined],
		["a plan alone is no usage", { "x-codex-plan-type": "plus" }, undefined],
		["one window", primary("12"), { primary: { usedPercent: 12, windowMinutes: 300 }, ...base }],
		[
			"a plan with a window",
			{ ...primary("12"), "x-codex-plan-type": " pro " },
			{ primary: { usedPercent: 12, windowMinutes: 300 }, planType: "pro", ...base },
		],
		[
			"a blank plan",
			{ ...primary("12"), "x-codex-plan-type": "  " },
			{ primary: { usedPercent: 12, windowMinutes: 300 }, ...base },
		],
		[
			"the main limit named as active is no per-model limit",
			{ ...primary("12"), "x-codex-active-limit": "Codex" },
			{ primary: { usedPercent: 12, windowMinutes: 300 }, ...base },
		],
		[
			"another active limit, normalised",
			{ ...primary("12"), "x-codex-active-limit": " Codex-Bengalfox " },
			{ primary: { usedPercent: 12, windowMinutes: 300 }, activeLimit: "codex_bengalfox", ...base },
		],
		[
			"credits alone",
			{ "x-codex-credits-has-credits": "true", "x-codex-credits-unlimited": "false" },
			{ credits: { hasCredits: true, unlimited: false }, ...base },
		],
		["credits with one flag only are unknown", { "x-codex-credits-has-credits": "true" }, undefined],
		["credits with the other flag only are unknown", { "x-codex-credits-unlimited": "true" }, undefined],
		[
			"credits with a flag that is no boolean",
			{ "x-codex-credits-has-credits": "maybe", "x-codex-credits-unlimited": "0" },
			undefined,
		],
		[
			"a padded flag",
			{ "x-codex-credits-has-credits": " TRUE ", "x-codex-credits-unlimited": " 0 " },
			{ credits: { hasCredits: true, unlimited: false }, ...base },
		],
		["used percent blank", primary(" "), undefined],
		["used percent not a number", primary("lots"), undefined],
		[
			"an empty slot (0 %, 0 min, no reset)",
			{ "x-codex-primary-used-percent": "0", "x-codex-primary-window-minutes": "0" },
			undefined,
		],
		["0 % of a real window", primary("0"), { primary: { usedPercent: 0, windowMinutes: 300 }, ...base }],
		[
			"0 % with only a reset",
			{ "x-codex-primary-used-percent": "0", "x-codex-primary-reset-at": String(NOW / 1000 + 5) },
			{ primary: { usedPercent: 0, windowMinutes: 0, resetsAt: NOW + 5000 }, ...base },
		],
		[
			"reset-at wins over reset-after",
			primary("5", {
				"x-codex-primary-reset-at": String(NOW / 1000 + 5),
				"x-codex-primary-reset-after-seconds": "99",
			}),
			{ primary: { usedPercent: 5, windowMinutes: 300, resetsAt: NOW + 5000 }, ...base },
		],
		[
			"reset-after when there is no reset-at",
			primary("5", { "x-codex-primary-reset-after-seconds": "60" }),
			{ primary: { usedPercent: 5, windowMinutes: 300, resetsAt: NOW + 60_000 }, ...base },
		],
		[
			"a reset-after of 0 says nothing",
			primary("5", { "x-codex-primary-reset-after-seconds": "0" }),
			{ primary: { usedPercent: 5, windowMinutes: 300 }, ...base },
		],
		[
			"a blank reset is absent, not NaN",
			primary("100", { "x-codex-primary-reset-at": "", "x-codex-primary-reset-after-seconds": "" }),
			{ primary: { usedPercent: 100, windowMinutes: 300 }, ...base },
		],
		[
			"a secondary window",
			{ "x-codex-secondary-used-percent": "7", "x-codex-secondary-window-minutes": "10080" },
			{ secondary: { usedPercent: 7, windowMinutes: 10_080 }, ...base },
		],
	])("%s", (_, headers, expected) => {
		expect(usageFromHeaders(headers, NOW)).toStrictEqual(expected);
	});

	it("per-model families: any `x-codex-<id>-…` but the main one, sorted by id, each with what it has", () => {
		const usage = usageFromHeaders(
			{
				"x-codex-zeta-primary-used-percent": "10",
				"x-codex-zeta-primary-window-minutes": "300",
				"x-codex_alpha-primary-used-percent": "0",
				"x-codex_alpha-primary-window-minutes": "0",
				"x-codex_alpha-secondary-used-percent": "30",
				"x-codex_alpha-secondary-window-minutes": "10080",
				"x-codex_alpha-limit-name": "Alpha",
				"x-codex-empty-primary-used-percent": "0",
				"x-codex-empty-primary-window-minutes": "0",
				"x-codex-codex-primary-used-percent": "5",
				"x-codex-primary-used-percent-extra": "5",
				"y-x-codex-other-primary-used-percent": "5",
				"x-codex-other-primary-used-percent-x": "5",
			},
			NOW,
		);
		expect(usage).toEqual({
			limits: [
				{ id: "codex_alpha", name: "Alpha", secondary: { usedPercent: 30, windowMinutes: 10_080 } },
				{ id: "codex_codex", primary: { usedPercent: 5, windowMinutes: 0 } },
				{ id: "codex_zeta", primary: { usedPercent: 10, windowMinutes: 300 } },
			],
			...base,
		});
	});

	it("the main family's own headers are not a per-model family", () => {
		expect(usageFromHeaders({ "x-codex-primary-used-percent": "5" }, NOW)).not.toHaveProperty("limits");
	});
});

describe("small readers", () => {
	it("limitId normalises, and a blank id is none", () => {
		expect(limitId(" Codex-Bengalfox ")).toBe("codex_bengalfox");
		expect(limitId("   ")).toBeUndefined();
		expect(limitId(undefined)).toBeUndefined();
		expect(activeLimitFromHeaders({ "x-codex-active-limit": "codex-other" })).toBe("codex_other");
		expect(activeLimitFromHeaders({})).toBeUndefined();
	});

	it.each<[unknown, boolean | undefined]>([
		[true, true],
		[false, false],
		["true", true],
		[" True ", true],
		["1", true],
		["false", false],
		["FALSE", false],
		["0", false],
		["yes", undefined],
		["", undefined],
		[1, undefined],
		[null, undefined],
	])("toBool(%j) = %s", (value, expected) => {
		expect(toBool(value)).toBe(expected);
	});

	it.each<[string | number | null | undefined, number | undefined]>([
		[5, 5],
		[0, 0],
		["5", 5],
		[" 7 ", 7],
		["1.5", 1.5],
		["", undefined],
		["  ", undefined],
		["x", undefined],
		[Number.NaN, undefined],
		[Number.POSITIVE_INFINITY, undefined],
		["Infinity", undefined],
		[null, undefined],
		[undefined, undefined],
	])("toNumber(%j) = %s", (value, expected) => {
		expect(toNumber(value)).toBe(expected);
	});

	it("retry-after: -ms first, then seconds, then an HTTP date; anything else is none", () => {
		expect(retryAfterFromHeaders({ "retry-after-ms": "250", "retry-after": "9" }, NOW)).toBe(NOW + 250);
		expect(retryAfterFromHeaders({ "retry-after-ms": "", "retry-after": "9" }, NOW)).toBe(NOW + 9000);
		expect(retryAfterFromHeaders({ "retry-after": "0" }, NOW)).toBe(NOW);
		expect(retryAfterFromHeaders({ "retry-after": "Wed, 21 Oct 2026 07:28:00 GMT" }, NOW)).toBe(
			Date.parse("Wed, 21 Oct 2026 07:28:00 GMT"),
		);
		expect(retryAfterFromHeaders({ "retry-after": "soon" }, NOW)).toBeUndefined();
		expect(retryAfterFromHeaders({ "retry-after": "" }, NOW)).toBeUndefined();
		expect(retryAfterFromHeaders({}, NOW)).toBeUndefined();
	});
});
