import { describe, expect, it } from "vitest";
import { parseAuthorizationInput } from "../../src/auth/authorization-input.ts";

describe("parseAuthorizationInput", () => {
	it.each([
		["full redirect URL", "http://localhost:1455/auth/callback?code=C1&state=S1", { code: "C1", state: "S1" }],
		[
			"URL with spaces around",
			"  http://localhost:1455/auth/callback?state=S1&code=C1 \n",
			{ code: "C1", state: "S1" },
		],
		[
			"denied redirect",
			"http://localhost:1455/auth/callback?error=access_denied&state=S1",
			{ error: "access_denied", state: "S1" },
		],
		["code#state", "C2#S2", { code: "C2", state: "S2" }],
		["query string", "code=C3&state=S3", { code: "C3", state: "S3" }],
		["query with ?", "?code=C3&state=S3", { code: "C3", state: "S3" }],
		["bare code", "ac_abcdef", { code: "ac_abcdef" }],
		["empty", "   ", {}],
		["URL without code", "http://localhost:1455/auth/callback", {}],
	])("%s", (_, input, expected) => {
		expect(parseAuthorizationInput(input)).toEqual(expected);
	});
});
