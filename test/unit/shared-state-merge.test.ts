import { describe, expect, it } from "vitest";
import { mergeSharedState } from "../../src/usage/shared-state-merge.ts";

const NOW = 1_800_000_000_000;

describe("mergeSharedState: model refusals and degraded marks", () => {
	it("keeps each model's latest refusal, drops expired ones, and never loses another process's", () => {
		const current = { modelRefusals: { "gpt-a": NOW + 1000, "gpt-old": NOW - 1 } };
		const merged = mergeSharedState(current, { modelRefusals: { "gpt-a": NOW + 500, "gpt-b": NOW + 2000 } }, NOW);
		expect(merged.modelRefusals).toEqual({ "gpt-a": NOW + 1000, "gpt-b": NOW + 2000 });
		expect(mergeSharedState({ modelRefusals: { "gpt-a": NOW } }, {}, NOW).modelRefusals).toBeUndefined();
	});

	it("the later degraded mark wins; an expired one is dropped", () => {
		expect(mergeSharedState({ degradedUntil: NOW + 9000 }, { degradedUntil: NOW + 1000 }, NOW).degradedUntil).toBe(
			NOW + 9000,
		);
		expect(mergeSharedState({ degradedUntil: NOW - 1 }, {}, NOW).degradedUntil).toBeUndefined();
	});
});
