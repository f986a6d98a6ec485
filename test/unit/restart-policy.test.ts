import { describe, expect, it } from "vitest";
import { RestartBudget } from "../../src/supervisor/restart-policy.ts";

describe("RestartBudget", () => {
	it("allows `intensity` restarts within the period, then refuses", () => {
		const budget = new RestartBudget({ intensity: 2, periodMs: 1000 });
		expect(budget.allowRestart(0)).toBe(true);
		expect(budget.allowRestart(100)).toBe(true);
		expect(budget.allowRestart(200)).toBe(false);
	});

	it("forgets crashes older than the period", () => {
		const budget = new RestartBudget({ intensity: 1, periodMs: 1000 });
		expect(budget.allowRestart(0)).toBe(true);
		expect(budget.allowRestart(1500)).toBe(true);
		expect(budget.allowRestart(1600)).toBe(false);
	});

	it("a crash exactly one period ago no longer counts", () => {
		const budget = new RestartBudget({ intensity: 1, periodMs: 1000 });
		expect(budget.allowRestart(0)).toBe(true);
		expect(budget.allowRestart(1000)).toBe(true);
		expect(budget.allowRestart(1999)).toBe(false);
	});
});
