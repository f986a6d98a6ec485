import { describe, expect, it } from "vitest";
import { nextDefaultLabel, validateLabel } from "../../src/auth/labels.ts";

const accounts = [
	{ id: "a1", label: "work" },
	{ id: "a2", label: "account-1" },
];

describe("validateLabel", () => {
	it.each([
		["personal", undefined],
		["work", "a1"],
		["WORK", "a1"],
		["x".repeat(32), undefined],
		["ünï-cødé_2", undefined],
	])("accepts %j (for %s)", (label, forId) => {
		expect(() => validateLabel(label, accounts, forId)).not.toThrow();
	});

	it.each([
		["empty", "", undefined],
		["space", "my work", undefined],
		["leading space", " work2", undefined],
		["tab", "a\tb", undefined],
		["newline", "a\n", undefined],
		["33 chars", "x".repeat(33), undefined],
		["taken", "work", undefined],
		["taken, other case", "Work", "a2"],
		["taken by another account", "account-1", "a1"],
	])("rejects %s", (_, label, forId) => {
		expect(() => validateLabel(label, accounts, forId)).toThrow(
			expect.objectContaining({ name: "InvalidLabelError", code: "E_INVALID_LABEL" }),
		);
	});
});

describe("nextDefaultLabel", () => {
	it.each([
		[[], "account-1"],
		[[{ label: "account-1" }], "account-2"],
		[[{ label: "account-2" }], "account-1"],
		[[{ label: "account-1" }, { label: "Account-2" }, { label: "work" }], "account-3"],
	])("%j → %s", (existing, expected) => {
		expect(nextDefaultLabel(existing)).toBe(expected);
	});
});
