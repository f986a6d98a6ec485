import { describe, expect, it } from "vitest";
import { accountIdentity, decodeJwtPayload, jwtExpiresAt } from "../../src/auth/jwt.ts";
import { AUTH_CLAIM, makeAccessToken, makeIdToken, makeJwt, PROFILE_CLAIM } from "../fixtures/auth/jwt.ts";

const account = { accountId: "acct-123", plan: "plus", email: "me@example.com" };

describe("decodeJwtPayload", () => {
	it("decodes a base64url payload without verifying", () => {
		expect(decodeJwtPayload(makeJwt({ sub: "x", n: 1, ü: "ß" }))).toEqual({ sub: "x", n: 1, ü: "ß" });
		expect(decodeJwtPayload(`h.${Buffer.from(JSON.stringify({ sub: "x" })).toString("base64url")}.s`)).toEqual({
			sub: "x",
		});
	});

	// The payloads here are valid JSON objects: only the number of parts can be what refuses them.
	const payload = Buffer.from(JSON.stringify({ sub: "x" })).toString("base64url");
	it.each([
		["empty", ""],
		["two parts (header.payload)", `h.${payload}`],
		["four parts", `h.${payload}.s.extra`],
		["one part", payload],
		["an empty payload", "h..s"],
		["not base64 json", "a.!!!.c"],
		["array payload", `a.${Buffer.from("[1]").toString("base64url")}.c`],
		["string payload", `a.${Buffer.from('"s"').toString("base64url")}.c`],
	])("returns undefined for %s", (_, token) => {
		expect(decodeJwtPayload(token)).toBeUndefined();
	});
});

describe("accountIdentity", () => {
	it("takes account and plan from the access token and email from the id token", () => {
		const access = makeAccessToken({ accountId: account.accountId, plan: account.plan }, 2_000_000_000);
		expect(accountIdentity(access, makeIdToken(account, 2_000_000_000))).toEqual({
			accountId: "acct-123",
			plan: "plus",
			email: "me@example.com",
			expiresAt: 2_000_000_000_000,
		});
	});

	it("falls back to the profile claim for the email and the id token for the account", () => {
		const access = makeJwt({ [PROFILE_CLAIM]: { email: "profile@example.com" } });
		const id = makeJwt({ [AUTH_CLAIM]: { chatgpt_account_id: "acct-from-id", chatgpt_plan_type: "team" } });
		expect(accountIdentity(access, id)).toEqual({
			accountId: "acct-from-id",
			plan: "team",
			email: "profile@example.com",
		});
	});

	it.each([
		["no auth claim", makeJwt({ sub: "x" })],
		["empty account id", makeJwt({ [AUTH_CLAIM]: { chatgpt_account_id: "" } })],
		["not a jwt", "opaque-token"],
	])("throws MissingAccountIdError for %s", (_, access) => {
		expect(() => accountIdentity(access)).toThrow(
			expect.objectContaining({ name: "MissingAccountIdError", code: "E_NO_ACCOUNT_ID" }),
		);
	});

	it("reads exp as epoch ms", () => {
		expect(jwtExpiresAt(makeJwt({ exp: 10 }))).toBe(10_000);
		expect(jwtExpiresAt(makeJwt({}))).toBeUndefined();
	});
});

describe("accountIdentity, claim by claim", () => {
	const ns = (claims: Record<string, unknown>) => ({ [AUTH_CLAIM]: { chatgpt_account_id: "acct-1", ...claims } });

	it.each<[string, Record<string, unknown>, Record<string, unknown> | undefined, Record<string, unknown>]>([
		["nothing but the account", ns({}), undefined, { accountId: "acct-1" }],
		[
			"the seat from the access token",
			ns({ chatgpt_account_user_id: "u-acc" }),
			undefined,
			{ accountId: "acct-1", seat: "u-acc" },
		],
		[
			"the seat from the id token when the access token names none",
			ns({}),
			{ [AUTH_CLAIM]: { chatgpt_account_user_id: "u-id" } },
			{ accountId: "acct-1", seat: "u-id" },
		],
		[
			"the access token's seat first",
			ns({ chatgpt_account_user_id: "u-acc" }),
			{ [AUTH_CLAIM]: { chatgpt_account_user_id: "u-id" } },
			{ accountId: "acct-1", seat: "u-acc" },
		],
		[
			"a user id makes the seat with the account",
			ns({ chatgpt_user_id: "user-7" }),
			undefined,
			{ accountId: "acct-1", seat: "user-7__acct-1" },
		],
		[
			"user_id as the last resort",
			ns({ user_id: "user-8" }),
			undefined,
			{ accountId: "acct-1", seat: "user-8__acct-1" },
		],
		[
			"chatgpt_user_id before user_id",
			ns({ chatgpt_user_id: "user-7", user_id: "user-8" }),
			undefined,
			{ accountId: "acct-1", seat: "user-7__acct-1" },
		],
		[
			"an empty seat claim is none",
			ns({ chatgpt_account_user_id: "", chatgpt_user_id: "" }),
			undefined,
			{ accountId: "acct-1" },
		],
		["the email from the id token", ns({}), { email: "id@x" }, { accountId: "acct-1", email: "id@x" }],
		[
			"then the id token's profile",
			ns({}),
			{ email: "", [PROFILE_CLAIM]: { email: "idprofile@x" } },
			{ accountId: "acct-1", email: "idprofile@x" },
		],
		[
			"then the access token's profile",
			{ ...ns({}), [PROFILE_CLAIM]: { email: "accprofile@x" } },
			{ [PROFILE_CLAIM]: { email: 5 } },
			{ accountId: "acct-1", email: "accprofile@x" },
		],
		[
			"the plan from the access token",
			ns({ chatgpt_plan_type: "pro" }),
			{ [AUTH_CLAIM]: { chatgpt_plan_type: "team" } },
			{ accountId: "acct-1", plan: "pro" },
		],
		[
			"the plan from the id token",
			ns({}),
			{ [AUTH_CLAIM]: { chatgpt_plan_type: "team" } },
			{ accountId: "acct-1", plan: "team" },
		],
		["an empty plan is none", ns({ chatgpt_plan_type: "" }), undefined, { accountId: "acct-1" }],
		[
			"an auth claim that is an array holds nothing",
			{ [AUTH_CLAIM]: ["acct-1"], ...{} },
			{ [AUTH_CLAIM]: { chatgpt_account_id: "acct-2" } },
			{ accountId: "acct-2" },
		],
	])("%s", (_, access, id, expected) => {
		expect(accountIdentity(makeJwt(access), id ? makeJwt(id) : undefined)).toStrictEqual(expected);
	});

	it("exp must be a finite number", () => {
		expect(jwtExpiresAt(makeJwt({ exp: "10" }))).toBeUndefined();
		expect(jwtExpiresAt("not-a-jwt")).toBeUndefined();
		expect(jwtExpiresAt(makeJwt({ exp: 0 }))).toBe(0);
	});

	it("a null payload is no payload", () => {
		expect(decodeJwtPayload(`h.${Buffer.from("null").toString("base64url")}.s`)).toBeUndefined();
	});
});
