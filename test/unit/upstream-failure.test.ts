import { describe, expect, it } from "vitest";
import { retryAfterFromHeaders, usageFromHeaders } from "../../src/usage/rate-limit-headers.ts";
import { classifyFailure } from "../../src/usage/upstream-failure.ts";
import { usageFromWhamResponse } from "../../src/usage/usage-response.ts";
import { resetWindowsDueBy } from "../../src/usage/usage-snapshot.ts";

const NOW = 1_800_000_000_000;

describe("classifyFailure", () => {
	it.each([
		{
			name: "usage limit with resets_at",
			status: 429,
			body: { error: { type: "usage_limit_reached", resets_at: NOW / 1000 + 600 } },
			headers: {},
			expected: { kind: "exhausted", resetsAt: NOW + 600_000, code: "usage_limit_reached" },
		},
		{
			name: "usage limit with resets_in_seconds",
			status: 429,
			body: { error: { type: "usage_limit_reached", resets_in_seconds: 90 } },
			headers: {},
			expected: { kind: "exhausted", resetsAt: NOW + 90_000, code: "usage_limit_reached" },
		},
		{
			name: "rate limit with retry-after",
			status: 429,
			body: { error: { code: "rate_limit_exceeded" } },
			headers: { "retry-after": "30" },
			expected: { kind: "exhausted", resetsAt: NOW + 30_000, code: "rate_limit_exceeded" },
		},
		{
			name: "bare 429 with a full window in the headers",
			status: 429,
			body: undefined,
			headers: { "x-codex-secondary-used-percent": "100", "x-codex-secondary-reset-at": String(NOW / 1000 + 60) },
			expected: { kind: "exhausted", resetsAt: NOW + 60_000 },
		},
		{ name: "bare 429, nothing known", status: 429, body: undefined, headers: {}, expected: { kind: "exhausted" } },
		{
			name: "401",
			status: 401,
			body: { error: { code: "token_expired" } },
			headers: {},
			expected: { kind: "unauthorized", code: "token_expired" },
		},
		{
			name: "foreign encrypted reasoning",
			status: 400,
			body: { error: { code: "invalid_encrypted_content" } },
			headers: {},
			expected: { kind: "foreign-reasoning", code: "invalid_encrypted_content" },
		},
		{ name: "503", status: 503, body: undefined, headers: {}, expected: { kind: "transient" } },
		{
			name: "400 bad request",
			status: 400,
			body: { error: { code: "bad" } },
			headers: {},
			expected: { kind: "fatal", code: "bad" },
		},
	])("$name", ({ status, body, headers, expected }) => {
		const result = classifyFailure(
			status,
			headers as Record<string, string>,
			body ? JSON.stringify(body) : undefined,
			NOW,
		);
		expect(result).toEqual(expected);
	});

	it("tolerates a non-JSON body", () => {
		expect(classifyFailure(502, {}, "<html>bad gateway</html>", NOW)).toEqual({ kind: "transient" });
	});
});

describe("usage parsing", () => {
	it("reads both windows from x-codex headers", () => {
		const usage = usageFromHeaders(
			{
				"x-codex-primary-used-percent": "12.5",
				"x-codex-primary-window-minutes": "300",
				"x-codex-primary-reset-at": String(NOW / 1000 + 100),
				"x-codex-secondary-used-percent": "40",
				"x-codex-secondary-window-minutes": "10080",
				"x-codex-secondary-reset-after-seconds": "200",
			},
			NOW,
		);
		expect(usage).toEqual({
			primary: { usedPercent: 12.5, windowMinutes: 300, resetsAt: NOW + 100_000 },
			secondary: { usedPercent: 40, windowMinutes: 10_080, resetsAt: NOW + 200_000 },
			observedAt: NOW,
			source: "headers",
		});
	});

	it("returns undefined without rate-limit headers", () => {
		expect(usageFromHeaders({ "content-type": "text/event-stream" }, NOW)).toBeUndefined();
	});

	it("reads retry-after as seconds and as an HTTP date", () => {
		expect(retryAfterFromHeaders({ "retry-after": "5" }, NOW)).toBe(NOW + 5000);
		expect(retryAfterFromHeaders({ "retry-after-ms": "250" }, NOW)).toBe(NOW + 250);
		const date = new Date(NOW + 60_000).toUTCString();
		expect(retryAfterFromHeaders({ "retry-after": date }, NOW)).toBe(Math.floor((NOW + 60_000) / 1000) * 1000);
	});

	it("reads the wham/usage body", () => {
		const usage = usageFromWhamResponse(
			{
				plan_type: "pro",
				rate_limit: {
					primary_window: { used_percent: 3, limit_window_seconds: 18_000, reset_at: NOW / 1000 + 10 },
					secondary_window: { used_percent: 55, limit_window_seconds: 604_800, reset_after_seconds: 20 },
				},
			},
			NOW,
		);
		expect(usage).toEqual({
			primary: { usedPercent: 3, windowMinutes: 300, resetsAt: NOW + 10_000 },
			secondary: { usedPercent: 55, windowMinutes: 10_080, resetsAt: NOW + 20_000 },
			planType: "pro",
			observedAt: NOW,
			source: "poll",
		});
	});
});

describe("resetWindowsDueBy", () => {
	it("zeroes the windows that reset by the given time and keeps the others", () => {
		const usage = {
			primary: { usedPercent: 100, windowMinutes: 300, resetsAt: NOW },
			secondary: { usedPercent: 40, windowMinutes: 10_080, resetsAt: NOW + 1000 },
			observedAt: NOW - 5,
			source: "headers" as const,
		};
		expect(resetWindowsDueBy(usage, NOW)).toEqual({
			...usage,
			primary: { usedPercent: 0, windowMinutes: 300 },
		});
		expect(resetWindowsDueBy(undefined, NOW)).toBeUndefined();
	});
});
