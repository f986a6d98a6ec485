/** The WebSocket transport's only error channel: `Codex error: <message>` text, read for routing. */
import { describe, expect, it } from "vitest";
import { classifyCodexErrorText } from "../../src/usage/codex-error-text.ts";
import { RATE_LIMIT_DEFAULT_MS, tryAgainIn } from "../../src/usage/upstream-failure.ts";

const NOW = 1_800_000_000_000;

describe("classifyCodexErrorText", () => {
	it.each([
		["Codex error: You've hit your usage limit. Upgrade to Pro.", { kind: "exhausted", code: "usage_limit_reached" }],
		["Codex error: USAGE LIMIT reached", { kind: "exhausted", code: "usage_limit_reached" }],
		[
			"Codex error: Rate limit reached for gpt-5 on tokens per min. Please try again in 500ms.",
			{ kind: "exhausted", code: "rate_limit_exceeded", resetsAt: NOW + 500 },
		],
		[
			"Codex error: Rate limit reached. Please try again in 7s.",
			{ kind: "exhausted", code: "rate_limit_exceeded", resetsAt: NOW + 7000 },
		],
		[
			"Codex error: rate limit reached, try again in 2m",
			{ kind: "exhausted", code: "rate_limit_exceeded", resetsAt: NOW + 120_000 },
		],
		[
			"Codex error: Rate limit reached.",
			{ kind: "exhausted", code: "rate_limit_exceeded", resetsAt: NOW + RATE_LIMIT_DEFAULT_MS },
		],
		[
			"Codex error: Your input exceeds the context window of this model.",
			{ kind: "fatal", code: "context_length_exceeded" },
		],
		[
			"Codex error: The encrypted content gAAA could not be verified.",
			{ kind: "foreign-reasoning", code: "invalid_encrypted_content" },
		],
		[
			"Codex error: The 'gpt-5.5' model is not supported when using Codex with a ChatGPT account.",
			{ kind: "model-refused", code: "model_not_supported", reason: "model not on this plan" },
		],
		["Codex error: Your authentication token is expired. Please sign in again.", { kind: "unauthorized" }],
		["Codex error: token_invalidated", { kind: "unauthorized" }],
		["Codex error: token invalidated", { kind: "unauthorized" }],
		["Codex error: tokenInvalidated", { kind: "unauthorized" }],
		["Codex error: 401 Unauthorized", { kind: "unauthorized" }],
	])("%s", (message, expected) => {
		expect(classifyCodexErrorText(message, NOW)).toEqual(expected);
	});

	it("anything else is left to the caller (transient there)", () => {
		expect(
			classifyCodexErrorText("Codex error: An error occurred while processing your request.", NOW),
		).toBeUndefined();
		expect(classifyCodexErrorText("Codex error: server_is_overloaded", NOW)).toBeUndefined();
	});

	it("a usage limit says nothing about its reset: none is made up (the actor asks the usage endpoint)", () => {
		const failure = classifyCodexErrorText("Codex error: You've hit your usage limit. Try again in 5m.", NOW);
		expect(failure).toEqual({ kind: "exhausted", code: "usage_limit_reached" });
		expect(failure).not.toHaveProperty("resetsAt");
	});
});

describe("tryAgainIn: every unit, both ways", () => {
	it.each([
		["try again in 500ms", 500],
		["try again in 500 ms", 500],
		["try again in 7s", 7000],
		["try again in 1.5s", 1500],
		["try again in 1 second", 1000],
		["try again in 3 seconds", 3000],
		["try again in 2m", 120_000],
		["try again in 1 minute", 60_000],
		["try again in 2 minutes", 120_000],
		["Try Again In 2M", 120_000],
		["try again in2s", 2000],
	])("%s → %d ms", (message, ms) => {
		expect(tryAgainIn(message, NOW)).toBe(NOW + ms);
	});

	it.each([["try again in a moment"], ["try again in 5 hours"], ["try again in 5mins"], ["try again later"], [""]])(
		"%j: no delay (undefined, never NaN)",
		(message) => {
			expect(tryAgainIn(message, NOW)).toBeUndefined();
		},
	);
});
