import { describe, expect, it } from "vitest";
import { retryAfterFromHeaders, usageFromHeaders } from "../../src/usage/rate-limit-headers.ts";
import {
	ACCOUNT_REFUSAL_COOLDOWN_MS,
	classifyFailure,
	classifyStreamFailure,
	RATE_LIMIT_DEFAULT_MS,
	tryAgainIn,
} from "../../src/usage/upstream-failure.ts";
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

	// Each status class on its own row, with no body: the status alone decides.
	it.each([
		[500, "transient"],
		[502, "transient"],
		[503, "transient"],
		[504, "transient"],
		[599, "transient"],
		[408, "transient"],
		[499, "fatal"],
		[400, "fatal"],
		[404, "fatal"],
		[409, "fatal"],
		[413, "fatal"],
		[422, "fatal"],
		[401, "unauthorized"],
		[402, "account-refused"],
		[403, "forbidden"],
		[429, "exhausted"],
	])("HTTP %i with no body → %s", (status, kind) => {
		expect(classifyFailure(status, {}, undefined, NOW).kind).toBe(kind);
	});

	// The code decides, whatever the status: each row uses a status that alone would say otherwise.
	it.each([
		[400, { error: { code: "usage_limit_reached" } }, { kind: "exhausted", code: "usage_limit_reached" }],
		[403, { error: { type: "usage_limit_reached" } }, { kind: "exhausted", code: "usage_limit_reached" }],
		[400, { error: { code: "insufficient_quota" } }, { kind: "exhausted", code: "insufficient_quota" }],
		[
			400,
			{ error: { code: "rate_limit_exceeded" } },
			{ kind: "exhausted", code: "rate_limit_exceeded", resetsAt: NOW + RATE_LIMIT_DEFAULT_MS },
		],
		[
			503,
			{ error: { code: "rate_limit_exceeded", message: "Please try again in 2m." } },
			{ kind: "exhausted", code: "rate_limit_exceeded", resetsAt: NOW + 120_000 },
		],
		[
			400,
			{ error: { code: "usage_not_included" } },
			{
				kind: "account-refused",
				code: "usage_not_included",
				reason: "plan has no Codex",
				resetsAt: NOW + ACCOUNT_REFUSAL_COOLDOWN_MS,
			},
		],
		[
			403,
			{ detail: { code: "deactivated_workspace" } },
			{
				kind: "account-refused",
				code: "deactivated_workspace",
				reason: "workspace deactivated",
				resetsAt: NOW + ACCOUNT_REFUSAL_COOLDOWN_MS,
			},
		],
		[
			500,
			{ error: { code: "invalid_encrypted_content" } },
			{ kind: "foreign-reasoning", code: "invalid_encrypted_content" },
		],
		[403, { error: { code: "some_policy" } }, { kind: "fatal", code: "some_policy" }],
		[500, { error: { code: "server_error" } }, { kind: "transient", code: "server_error" }],
		[401, { error: { message: "expired" } }, { kind: "unauthorized" }],
	])("HTTP %i with %j", (status, body, expected) => {
		expect(classifyFailure(status, {}, JSON.stringify(body), NOW)).toEqual(expected);
	});

	it("a 402 with no body is a deactivated workspace", () => {
		expect(classifyFailure(402, {}, undefined, NOW)).toEqual({
			kind: "account-refused",
			code: "deactivated_workspace",
			reason: "workspace deactivated",
			resetsAt: NOW + ACCOUNT_REFUSAL_COOLDOWN_MS,
		});
	});

	it("a rate limit's delay: retry-after first, then the message, then the default", () => {
		const body = JSON.stringify({ error: { code: "rate_limit_exceeded", message: "try again in 7s" } });
		expect(classifyFailure(429, { "retry-after-ms": "500" }, body, NOW).resetsAt).toBe(NOW + 500);
		expect(classifyFailure(429, {}, body, NOW).resetsAt).toBe(NOW + 7000);
	});

	it("a 429's reset: resets_at, then resets_in_seconds, then retry-after, then the full window's reset", () => {
		const window = { "x-codex-primary-used-percent": "100", "x-codex-primary-reset-at": String(NOW / 1000 + 900) };
		const at = (error: Record<string, unknown>, headers: Record<string, string> = {}) =>
			classifyFailure(429, headers, JSON.stringify({ error: { code: "usage_limit_reached", ...error } }), NOW)
				.resetsAt;
		expect(at({ resets_at: NOW / 1000 + 60, resets_in_seconds: 5 }, { "retry-after": "9", ...window })).toBe(
			NOW + 60_000,
		);
		expect(at({ resets_at: String(NOW / 1000 + 60) })).toBe(NOW + 60_000);
		expect(at({ resets_in_seconds: 5 }, { "retry-after": "9", ...window })).toBe(NOW + 5000);
		expect(at({ resets_in_seconds: "5" })).toBe(NOW + 5000);
		expect(at({}, { "retry-after": "9", ...window })).toBe(NOW + 9000);
		expect(at({}, window)).toBe(NOW + 900_000);
		// Nothing known: absent (the actor guesses and polls), never NaN.
		expect(classifyFailure(429, {}, JSON.stringify({ error: { resets_at: "soon" } }), NOW)).toEqual({
			kind: "exhausted",
		});
		expect(classifyFailure(429, {}, JSON.stringify({ error: { resets_in_seconds: "" } }), NOW)).toEqual({
			kind: "exhausted",
		});
	});

	it("a body that is JSON but no object counts as none", () => {
		expect(classifyFailure(429, {}, "null", NOW)).toEqual({ kind: "exhausted" });
		expect(classifyFailure(429, {}, '"usage_limit_reached"', NOW)).toEqual({ kind: "exhausted" });
		expect(classifyFailure(400, {}, "[]", NOW)).toEqual({ kind: "fatal" });
	});

	it("the code is read from error.code, then error.type, then detail.code", () => {
		const body = { error: { code: "server_error", type: "usage_limit_reached" } };
		expect(classifyFailure(500, {}, JSON.stringify(body), NOW)).toEqual({ kind: "transient", code: "server_error" });
		const typeOnly = { error: { code: null, type: "server_error" } };
		expect(classifyFailure(500, {}, JSON.stringify(typeOnly), NOW)).toEqual({
			kind: "transient",
			code: "server_error",
		});
		const detail = { error: { code: null, type: null }, detail: { code: "deactivated_workspace" } };
		expect(classifyFailure(500, {}, JSON.stringify(detail), NOW).kind).toBe("account-refused");
		expect(classifyFailure(400, {}, JSON.stringify({ detail: "text" }), NOW)).toEqual({ kind: "fatal" });
	});

	it("a 400 is model-refused only with the service's words; the same words on a 500 are not", () => {
		const body = JSON.stringify({
			detail: "The 'gpt-5.5' model is not supported when using Codex with a ChatGPT account.",
		});
		expect(classifyFailure(400, {}, body, NOW).kind).toBe("model-refused");
		expect(classifyFailure(500, {}, body, NOW).kind).toBe("transient");
		expect(classifyFailure(400, {}, JSON.stringify({ detail: "The model is not supported." }), NOW).kind).toBe(
			"fatal",
		);
	});

	it("a 403 with a code is not a bare forbidden", () => {
		expect(classifyFailure(403, {}, JSON.stringify({ error: { code: "x" } }), NOW)).toEqual({
			kind: "fatal",
			code: "x",
		});
	});

	it("an account-level refusal keeps the account out six hours", () => {
		expect(ACCOUNT_REFUSAL_COOLDOWN_MS).toBe(6 * 3_600_000);
	});

	it("a null detail is no code", () => {
		expect(classifyFailure(400, {}, JSON.stringify({ detail: null }), NOW)).toEqual({ kind: "fatal" });
	});

	it("tolerates a non-JSON body", () => {
		expect(classifyFailure(502, {}, "<html>bad gateway</html>", NOW)).toEqual({ kind: "transient" });
	});
});

describe("refusals and stream failures", () => {
	const LONG = NOW + ACCOUNT_REFUSAL_COOLDOWN_MS;
	it.each([
		{
			name: "402 deactivated_workspace",
			status: 402,
			body: '{"detail":{"code":"deactivated_workspace"}}',
			expected: {
				kind: "account-refused",
				code: "deactivated_workspace",
				reason: "workspace deactivated",
				resetsAt: LONG,
			},
		},
		{
			name: "429 usage_not_included",
			status: 429,
			body: '{"error":{"type":"usage_not_included","plan_type":"free"}}',
			expected: { kind: "account-refused", code: "usage_not_included", reason: "plan has no Codex", resetsAt: LONG },
		},
		{
			name: "400 model not supported",
			status: 400,
			body: '{"detail":"The \'gpt-5.5\' model is not supported when using Codex with a ChatGPT account."}',
			expected: { kind: "model-refused", code: "model_not_supported", reason: "model not on this plan" },
		},
		{ name: "403 empty", status: 403, body: "", expected: { kind: "forbidden", code: "forbidden" } },
		{
			name: "403 HTML",
			status: 403,
			body: "<html>Just a moment...</html>",
			expected: { kind: "forbidden", code: "forbidden" },
		},
		{
			name: "429 rate_limit_exceeded without retry-after: the message's delay",
			status: 429,
			body: '{"error":{"code":"rate_limit_exceeded","message":"Please try again in 1.5s."}}',
			expected: { kind: "exhausted", code: "rate_limit_exceeded", resetsAt: NOW + 1500 },
		},
		{
			name: "429 rate_limit_exceeded, no delay anywhere: a short default",
			status: 429,
			body: '{"error":{"code":"rate_limit_exceeded","message":"Rate limit reached."}}',
			expected: { kind: "exhausted", code: "rate_limit_exceeded", resetsAt: NOW + RATE_LIMIT_DEFAULT_MS },
		},
		{
			name: "400 encrypted content with a null code",
			status: 400,
			body: '{"error":{"code":null,"type":"invalid_request_error","message":"The encrypted content gAAA...dQ== could not be verified."}}',
			expected: { kind: "foreign-reasoning", code: "invalid_encrypted_content" },
		},
	])("HTTP $name", ({ status, body, expected }) => {
		expect(classifyFailure(status, {}, body, NOW)).toEqual(expected);
	});

	it.each([
		["context_length_exceeded", "Your input exceeds the context window of this model.", { kind: "fatal" }],
		["invalid_prompt", "Invalid prompt.", { kind: "fatal" }],
		["cyber_policy", "This request was flagged.", { kind: "fatal" }],
		["insufficient_quota", "Quota exceeded.", { kind: "exhausted" }],
		["usage_limit_reached", "The usage limit has been reached", { kind: "exhausted" }],
		["usage_not_included", "Not included.", { kind: "account-refused", resetsAt: NOW + ACCOUNT_REFUSAL_COOLDOWN_MS }],
		["server_is_overloaded", "Busy.", { kind: "transient" }],
		["slow_down", "Slow down.", { kind: "transient" }],
		["rate_limit_exceeded", "Please try again in 20ms.", { kind: "exhausted", resetsAt: NOW + 20 }],
		["rate_limit_exceeded", "Please try again in 3 seconds.", { kind: "exhausted", resetsAt: NOW + 3000 }],
	])("response.failed %s", (code, message, expected) => {
		expect(classifyStreamFailure(code, message, NOW)).toMatchObject({ ...expected, code });
	});

	it.each([
		[undefined, "Please try again in 20ms.", { kind: "transient" }],
		["server_error", undefined, { kind: "transient", code: "server_error" }],
		["internal_error", "x", { kind: "transient", code: "internal_error" }],
		["something_new", "x", { kind: "transient", code: "something_new" }],
		[
			"rate_limit_exceeded",
			undefined,
			{ kind: "exhausted", code: "rate_limit_exceeded", resetsAt: NOW + RATE_LIMIT_DEFAULT_MS },
		],
		["usage_limit_reached", "Please try again in 20ms.", { kind: "exhausted", code: "usage_limit_reached" }],
		[
			undefined,
			"The 'gpt-5.5' model is not supported when using Codex with a ChatGPT account.",
			{ kind: "model-refused", code: "model_not_supported", reason: "model not on this plan" },
		],
		["invalid_encrypted_content", undefined, { kind: "foreign-reasoning", code: "invalid_encrypted_content" }],
		["context_length_exceeded", "try again in 1s", { kind: "fatal", code: "context_length_exceeded" }],
	])("response.failed %s / %s, exactly", (code, message, expected) => {
		expect(classifyStreamFailure(code, message, NOW)).toEqual(expected);
	});

	it("response.failed invalid_encrypted_content with a null code, by its message", () => {
		const message = "Encrypted function output content could not be decrypted or decoded.";
		expect(classifyStreamFailure(undefined, message, NOW)).toEqual({
			kind: "foreign-reasoning",
			code: "invalid_encrypted_content",
		});
	});

	it("reads 'try again in' as codex-rs does", () => {
		expect(tryAgainIn("Please try again in 1.5s.", NOW)).toBe(NOW + 1500);
		expect(tryAgainIn("try again in 20ms", NOW)).toBe(NOW + 20);
		expect(tryAgainIn("Try again in 2 seconds", NOW)).toBe(NOW + 2000);
		expect(tryAgainIn("no delay here", NOW)).toBeUndefined();
		expect(tryAgainIn("try again in 1.25s", NOW)).toBe(NOW + 1250);
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
