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
