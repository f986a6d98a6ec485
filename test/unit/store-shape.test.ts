/**
 * Each shape rule of the store's data on its own row: a valid document with one thing wrong, and
 * the exact problem named (a path, never a value).
 */
import { describe, expect, it } from "vitest";
import { storeDataProblem } from "../../src/store/store-shape.ts";

type Doc = Record<string, any>;

function valid(): Doc {
	return {
		settings: { credits: "never" },
		accounts: [
			{
				id: "acct-a",
				label: "work",
				email: "a@example.test",
				plan: "plus",
				seat: "user-1",
				workspace: "ws-1",
				credentials: { access: "a", refresh: "r", expiresAt: 1, idToken: "i" },
				addedAt: 1,
				updatedAt: 2,
				needsLogin: { since: 3, reason: "reused" },
			},
			{
				id: "acct-b",
				label: "home",
				credentials: { access: "a", refresh: "r", expiresAt: 1 },
				addedAt: 1,
				updatedAt: 2,
			},
		],
		state: {
			"acct-a": {
				cooldownUntil: 5,
				cooldownReason: "x",
				usage: {
					observedAt: 1,
					source: "poll",
					planType: "plus",
					primary: { usedPercent: 1, windowMinutes: 300, resetsAt: 9 },
					secondary: { usedPercent: 2, windowMinutes: 10080 },
				},
				pollLease: { owner: "o", until: 4 },
				limitCooldowns: {},
				limitModels: {},
				probeDue: 6,
				probeLease: { owner: "o", until: 7 },
				modelRefusals: {},
				degradedUntil: 8,
			},
			"acct-b": {},
		},
	};
}

/** A valid document changed by `edit`. */
function broken(edit: (doc: Doc) => void): Doc {
	const doc = valid();
	edit(doc);
	return doc;
}

describe("storeDataProblem", () => {
	it("accepts a document that uses every field, and one with only the required ones", () => {
		expect(storeDataProblem(valid())).toBeUndefined();
		expect(storeDataProblem({ accounts: [], state: {} })).toBeUndefined();
		expect(storeDataProblem({ accounts: [], state: {}, settings: {} })).toBeUndefined();
		expect(storeDataProblem({ accounts: [], state: {}, settings: { credits: "last-resort" } })).toBeUndefined();
		// Optional strings may be empty (only id and label must not); usage may have no window.
		expect(
			storeDataProblem(
				broken((d) => {
					d.accounts[0].email = "";
					d.state["acct-a"].usage = { observedAt: 1, source: "headers" };
				}),
			),
		).toBeUndefined();
		expect(
			storeDataProblem(
				broken((d) => {
					delete d.state["acct-a"].usage.primary;
				}),
			),
		).toBeUndefined();
	});

	it("keeps unknown extra fields (a newer minor version's additions)", () => {
		expect(
			storeDataProblem(
				broken((d) => {
					d.future = 1;
					d.accounts[0].future = { x: 1 };
					d.state["acct-a"].future = "y";
				}),
			),
		).toBeUndefined();
	});

	const A = "accounts[0]";
	const S = 'state["acct-a"]';
	it.each<[string, (d: Doc) => void, string]>([
		[
			"accounts not an array",
			(d) => {
				d.accounts = {};
			},
			"accounts must be an array",
		],
		[
			"state an array",
			(d) => {
				d.state = [];
			},
			"state must be an object",
		],
		[
			"state null",
			(d) => {
				d.state = null;
			},
			"state must be an object",
		],
		[
			"settings a string",
			(d) => {
				d.settings = "never";
			},
			"settings must be an object",
		],
		[
			"settings null",
			(d) => {
				d.settings = null;
			},
			"settings must be an object",
		],
		[
			"credits not a known policy",
			(d) => {
				d.settings.credits = "always";
			},
			'settings.credits must be "never" or "last-resort"',
		],
		[
			"an account that is no object",
			(d) => {
				d.accounts[1] = "acct-b";
			},
			"accounts[1] must be an object",
		],
		[
			"an account that is an array",
			(d) => {
				d.accounts[1] = [];
			},
			"accounts[1] must be an object",
		],
		["id missing", (d) => delete d.accounts[0].id, `${A}.id must be a non-empty string`],
		[
			"id empty",
			(d) => {
				d.accounts[0].id = "";
			},
			`${A}.id must be a non-empty string`,
		],
		[
			"id a number",
			(d) => {
				d.accounts[0].id = 7;
			},
			`${A}.id must be a non-empty string`,
		],
		[
			"label empty",
			(d) => {
				d.accounts[0].label = "";
			},
			`${A}.label must be a non-empty string`,
		],
		[
			"email a number",
			(d) => {
				d.accounts[0].email = 1;
			},
			`${A}.email must be a string`,
		],
		[
			"plan a number",
			(d) => {
				d.accounts[0].plan = 1;
			},
			`${A}.plan must be a string`,
		],
		[
			"seat null",
			(d) => {
				d.accounts[0].seat = null;
			},
			`${A}.seat must be a string`,
		],
		[
			"workspace a number",
			(d) => {
				d.accounts[0].workspace = 1;
			},
			`${A}.workspace must be a string`,
		],
		["credentials missing", (d) => delete d.accounts[0].credentials, `${A}.credentials must be an object`],
		[
			"credentials an array",
			(d) => {
				d.accounts[0].credentials = [];
			},
			`${A}.credentials must be an object`,
		],
		[
			"addedAt a string",
			(d) => {
				d.accounts[0].addedAt = "1";
			},
			`${A}.addedAt must be a number`,
		],
		[
			"addedAt NaN",
			(d) => {
				d.accounts[0].addedAt = Number.NaN;
			},
			`${A}.addedAt must be a number`,
		],
		[
			"updatedAt infinite",
			(d) => {
				d.accounts[0].updatedAt = Infinity;
			},
			`${A}.updatedAt must be a number`,
		],
		["updatedAt missing", (d) => delete d.accounts[0].updatedAt, `${A}.updatedAt must be a number`],
		[
			"needsLogin a string",
			(d) => {
				d.accounts[0].needsLogin = "yes";
			},
			`${A}.needsLogin must be an object`,
		],
		[
			"access a number",
			(d) => {
				d.accounts[0].credentials.access = 1;
			},
			`${A}.credentials.access must be a string`,
		],
		["refresh missing", (d) => delete d.accounts[0].credentials.refresh, `${A}.credentials.refresh must be a string`],
		[
			"expiresAt a string",
			(d) => {
				d.accounts[0].credentials.expiresAt = "1";
			},
			`${A}.credentials.expiresAt must be a number`,
		],
		[
			"idToken a number",
			(d) => {
				d.accounts[0].credentials.idToken = 1;
			},
			`${A}.credentials.idToken must be a string`,
		],
		[
			"needsLogin.since missing",
			(d) => delete d.accounts[0].needsLogin.since,
			`${A}.needsLogin.since must be a number`,
		],
		[
			"needsLogin.reason a number",
			(d) => {
				d.accounts[0].needsLogin.reason = 1;
			},
			`${A}.needsLogin.reason must be a string`,
		],
		[
			"two records of one account",
			(d) => {
				d.accounts[1].id = "acct-a";
			},
			"accounts[1].id repeats an earlier account",
		],
		[
			"a state entry that is no object",
			(d) => {
				d.state["acct-b"] = 1;
			},
			'state["acct-b"] must be an object',
		],
		[
			"a state entry that is an array",
			(d) => {
				d.state["acct-b"] = [];
			},
			'state["acct-b"] must be an object',
		],
		[
			"cooldownUntil a string",
			(d) => {
				d.state["acct-a"].cooldownUntil = "5";
			},
			`${S}.cooldownUntil must be a number`,
		],
		[
			"cooldownReason a number",
			(d) => {
				d.state["acct-a"].cooldownReason = 5;
			},
			`${S}.cooldownReason must be a string`,
		],
		[
			"usage a string",
			(d) => {
				d.state["acct-a"].usage = "x";
			},
			`${S}.usage must be an object`,
		],
		[
			"pollLease a number",
			(d) => {
				d.state["acct-a"].pollLease = 1;
			},
			`${S}.pollLease must be an object`,
		],
		[
			"limitCooldowns a number",
			(d) => {
				d.state["acct-a"].limitCooldowns = 1;
			},
			`${S}.limitCooldowns must be an object`,
		],
		[
			"limitModels an array",
			(d) => {
				d.state["acct-a"].limitModels = [];
			},
			`${S}.limitModels must be an object`,
		],
		[
			"probeDue a string",
			(d) => {
				d.state["acct-a"].probeDue = "6";
			},
			`${S}.probeDue must be a number`,
		],
		[
			"probeLease a string",
			(d) => {
				d.state["acct-a"].probeLease = "o";
			},
			`${S}.probeLease must be an object`,
		],
		[
			"modelRefusals a number",
			(d) => {
				d.state["acct-a"].modelRefusals = 1;
			},
			`${S}.modelRefusals must be an object`,
		],
		[
			"degradedUntil a string",
			(d) => {
				d.state["acct-a"].degradedUntil = "8";
			},
			`${S}.degradedUntil must be a number`,
		],
		[
			"pollLease.owner missing",
			(d) => delete d.state["acct-a"].pollLease.owner,
			`${S}.pollLease.owner must be a string`,
		],
		[
			"pollLease.until a string",
			(d) => {
				d.state["acct-a"].pollLease.until = "4";
			},
			`${S}.pollLease.until must be a number`,
		],
		[
			"usage.observedAt missing",
			(d) => delete d.state["acct-a"].usage.observedAt,
			`${S}.usage.observedAt must be a number`,
		],
		[
			"usage.source a number",
			(d) => {
				d.state["acct-a"].usage.source = 1;
			},
			`${S}.usage.source must be a string`,
		],
		[
			"usage.planType a number",
			(d) => {
				d.state["acct-a"].usage.planType = 1;
			},
			`${S}.usage.planType must be a string`,
		],
		[
			"usage.primary a number",
			(d) => {
				d.state["acct-a"].usage.primary = 1;
			},
			`${S}.usage.primary must be an object`,
		],
		[
			"usage.secondary an array",
			(d) => {
				d.state["acct-a"].usage.secondary = [];
			},
			`${S}.usage.secondary must be an object`,
		],
		[
			"primary.usedPercent a string",
			(d) => {
				d.state["acct-a"].usage.primary.usedPercent = "1";
			},
			`${S}.usage.primary.usedPercent must be a number`,
		],
		[
			"primary.windowMinutes missing",
			(d) => delete d.state["acct-a"].usage.primary.windowMinutes,
			`${S}.usage.primary.windowMinutes must be a number`,
		],
		[
			"primary.resetsAt a string",
			(d) => {
				d.state["acct-a"].usage.primary.resetsAt = "9";
			},
			`${S}.usage.primary.resetsAt must be a number`,
		],
		[
			"secondary.usedPercent missing",
			(d) => delete d.state["acct-a"].usage.secondary.usedPercent,
			`${S}.usage.secondary.usedPercent must be a number`,
		],
	])("%s", (_, edit, problem) => {
		expect(storeDataProblem(broken(edit))).toBe(problem);
	});

	it("names a state key cut short, never a value", () => {
		const key = "k".repeat(200);
		const problem = storeDataProblem({ accounts: [], state: { [key]: 1 } });
		expect(problem).toBe(`state[${JSON.stringify(key).slice(0, 80)}] must be an object`);
		const leaky = storeDataProblem(
			broken((d) => {
				d.accounts[0].credentials.access = 12345;
			}),
		);
		expect(leaky).not.toContain("12345");
	});
});
