import { describe, expect, it } from "vitest";
import { mergeSharedState, PROBE_MIN_COOLDOWN_MS } from "../../src/usage/shared-state-merge.ts";
import type { UsageSnapshot } from "../../src/usage/usage-snapshot.ts";

const NOW = 1_800_000_000_000;

/** A stored 5 s cooldown with its probe due and leased (a new object each time). */
const cooledWithProbe = () => ({
	cooldownUntil: NOW + 5000,
	cooldownReason: "r",
	probeDue: NOW + 5000,
	probeLease: { owner: "p", until: 1 },
});

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

const usage = (observedAt: number, used = 10): UsageSnapshot => ({
	primary: { usedPercent: used, windowMinutes: 300 },
	observedAt,
	source: "poll",
});

describe("mergeSharedState: cooldowns", () => {
	it("the later cooldown wins, with its reason; an earlier or equal one changes nothing", () => {
		const stored = { cooldownUntil: NOW + 5000, cooldownReason: "first" };
		expect(mergeSharedState(stored, { cooldownUntil: NOW + 4000, cooldownReason: "earlier" }, NOW)).toStrictEqual(
			stored,
		);
		expect(mergeSharedState(stored, { cooldownUntil: NOW + 5000, cooldownReason: "same" }, NOW)).toStrictEqual(
			stored,
		);
		expect(mergeSharedState(stored, { cooldownUntil: NOW + 6000, cooldownReason: "later" }, NOW)).toStrictEqual({
			cooldownUntil: NOW + 6000,
			cooldownReason: "later",
		});
	});

	it("a cooldown of a minute or more is probed at its end; a shorter one is not; a new cooldown drops the probe lease", () => {
		const lease = { probeLease: { owner: "p", until: NOW + 10 } };
		expect(
			mergeSharedState(lease, { cooldownUntil: NOW + PROBE_MIN_COOLDOWN_MS, cooldownReason: "r" }, NOW),
		).toStrictEqual({
			cooldownUntil: NOW + PROBE_MIN_COOLDOWN_MS,
			cooldownReason: "r",
			probeDue: NOW + PROBE_MIN_COOLDOWN_MS,
		});
		expect(
			mergeSharedState(lease, { cooldownUntil: NOW + PROBE_MIN_COOLDOWN_MS - 1, cooldownReason: "r" }, NOW),
		).toStrictEqual({ cooldownUntil: NOW + PROBE_MIN_COOLDOWN_MS - 1, cooldownReason: "r" });
	});

	it("a patch without a cooldown keeps the stored one and its probe", () => {
		const stored = cooledWithProbe();
		expect(mergeSharedState(stored, { usage: usage(NOW) }, NOW)).toStrictEqual({ ...stored, usage: usage(NOW) });
	});

	it("a cooldown over by now is dropped with its reason (the probe stays due)", () => {
		expect(mergeSharedState({ cooldownUntil: NOW, cooldownReason: "r", probeDue: NOW }, {}, NOW)).toStrictEqual({
			probeDue: NOW,
		});
		expect(mergeSharedState({ cooldownUntil: NOW + 1, cooldownReason: "r" }, {}, NOW)).toStrictEqual({
			cooldownUntil: NOW + 1,
			cooldownReason: "r",
		});
	});

	it("a retraction ends a stored cooldown up to its time (and its probe); a later one found meanwhile stays", () => {
		const stored = cooledWithProbe();
		expect(mergeSharedState(stored, { retractCooldownUpTo: NOW + 5000 }, NOW)).toStrictEqual({});
		expect(mergeSharedState(stored, { retractCooldownUpTo: NOW + 4999 }, NOW)).toStrictEqual(stored);
		// Nothing stored to retract: a probe due from before stays.
		expect(mergeSharedState({ probeDue: NOW - 5 }, { retractCooldownUpTo: NOW + 5000 }, NOW)).toStrictEqual({
			probeDue: NOW - 5,
		});
	});

	it("the account served: no probe is due any more; the cooldown, if any, stays", () => {
		const stored = cooledWithProbe();
		expect(mergeSharedState(stored, { probed: true }, NOW)).toStrictEqual({
			cooldownUntil: NOW + 5000,
			cooldownReason: "r",
		});
		expect(mergeSharedState(stored, { probed: false }, NOW)).toStrictEqual(stored);
	});
});

describe("mergeSharedState: usage, limits, models", () => {
	it("the newer usage wins (the same time too: the patch is what was just seen); an older one is dropped", () => {
		const stored = { usage: usage(NOW, 10) };
		expect(mergeSharedState(stored, { usage: usage(NOW - 1, 50) }, NOW)).toStrictEqual(stored);
		expect(mergeSharedState(stored, { usage: usage(NOW, 50) }, NOW)).toStrictEqual({ usage: usage(NOW, 50) });
		expect(mergeSharedState(stored, { usage: usage(NOW + 1, 60) }, NOW)).toStrictEqual({ usage: usage(NOW + 1, 60) });
		expect(mergeSharedState(undefined, { usage: usage(NOW - 9, 5) }, NOW)).toStrictEqual({
			usage: usage(NOW - 9, 5),
		});
		expect(mergeSharedState(stored, {}, NOW)).toStrictEqual(stored);
	});

	it("per-limit cooldowns: the later per limit, the ones over dropped, none left → no field", () => {
		expect(
			mergeSharedState(
				{ limitCooldowns: { a: NOW + 10, b: NOW + 30, old: NOW } },
				{ limitCooldowns: { a: NOW + 20, b: NOW + 30, c: NOW + 5 } },
				NOW,
			),
		).toStrictEqual({ limitCooldowns: { a: NOW + 20, b: NOW + 30, c: NOW + 5 } });
		expect(mergeSharedState({ limitCooldowns: { old: NOW } }, {}, NOW)).toStrictEqual({});
		expect(
			mergeSharedState({ limitCooldowns: { a: NOW + 9 } }, { limitCooldowns: { a: NOW + 1 } }, NOW),
		).toStrictEqual({
			limitCooldowns: { a: NOW + 9 },
		});
	});

	it("models learnt are added to the ones known, the patch's word winning", () => {
		expect(
			mergeSharedState(
				{ limitModels: { m1: "codex_a", m2: "codex_b" } },
				{ limitModels: { m2: "codex_c", m3: "codex_d" } },
				NOW,
			),
		).toStrictEqual({ limitModels: { m1: "codex_a", m2: "codex_c", m3: "codex_d" } });
		expect(mergeSharedState({ limitModels: { m1: "codex_a" } }, {}, NOW)).toStrictEqual({
			limitModels: { m1: "codex_a" },
		});
	});

	it("degraded marks: a patch's later mark wins, an equal or earlier one changes nothing, none keeps the stored one", () => {
		expect(mergeSharedState({}, { degradedUntil: NOW + 5 }, NOW)).toStrictEqual({ degradedUntil: NOW + 5 });
		expect(mergeSharedState({ degradedUntil: NOW + 5 }, {}, NOW)).toStrictEqual({ degradedUntil: NOW + 5 });
		expect(mergeSharedState({ degradedUntil: NOW + 5 }, { degradedUntil: NOW + 6 }, NOW)).toStrictEqual({
			degradedUntil: NOW + 6,
		});
		expect(mergeSharedState({ degradedUntil: NOW + 1 }, {}, NOW)).toStrictEqual({ degradedUntil: NOW + 1 });
		expect(mergeSharedState({ degradedUntil: NOW }, {}, NOW)).toStrictEqual({});
		expect(mergeSharedState({}, { degradedUntil: NOW }, NOW)).toStrictEqual({});
	});

	it("model refusals ending now are over", () => {
		expect(mergeSharedState({}, { modelRefusals: { m: NOW } }, NOW)).toStrictEqual({});
		expect(mergeSharedState({}, { modelRefusals: { m: NOW + 1 } }, NOW)).toStrictEqual({
			modelRefusals: { m: NOW + 1 },
		});
	});
});
