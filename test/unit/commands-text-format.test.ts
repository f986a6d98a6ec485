import { describe, expect, it } from "vitest";
import { formatDuration, renderTable, safeOneLine } from "../../src/commands/text-format.ts";

describe("formatDuration", () => {
	it.each([
		[0, "0s"],
		[59_999, "59s"],
		[60_000, "1m"],
		[3_600_000, "1h"],
		[3_900_000, "1h 5m"],
		[86_400_000, "1d"],
		[90_000_000, "1d 1h"],
		[-5, "0s"],
	])("%d ms → %s", (ms, text) => {
		expect(formatDuration(ms)).toBe(text);
	});
});

describe("safeOneLine", () => {
	it("removes tokens and line breaks", () => {
		const text = safeOneLine(
			'failed\n  at x (y.ts:1)\nBearer abc.def {"refresh_token":"rt_abc","access_token": "eyJhbGciOi.eyJzdWIi.sig"} code=rt',
		);
		expect(text).toBe(
			'failed at x (y.ts:1) Bearer [token] {"refresh_token":"[token]","access_token": "[token]"} code=rt',
		);
		expect(safeOneLine("x".repeat(400), 10)).toBe(`${"x".repeat(9)}…`);
	});
});

describe("renderTable", () => {
	it("pads columns to the widest cell", () => {
		expect(
			renderTable(
				["A", "BB"],
				[
					["xxx", "y"],
					["z", ""],
				],
			),
		).toEqual(["A    BB", "xxx  y", "z"]);
	});
});
