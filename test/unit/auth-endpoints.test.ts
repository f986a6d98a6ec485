import { describe, expect, it } from "vitest";
import { defaultAuthEndpoints } from "../../src/auth/auth-endpoints.ts";
import { buildAuthorizeUrl } from "../../src/auth/authorize-url.ts";

describe("defaultAuthEndpoints", () => {
	it("uses the real OpenAI endpoints and pi's client by default", () => {
		expect(defaultAuthEndpoints({})).toEqual({
			tokenUrl: "https://auth.openai.com/oauth/token",
			authorizeUrl: "https://auth.openai.com/oauth/authorize",
			clientId: "app_EMoamEEZ73f0CkXaXp7hrann",
			redirectUri: "http://localhost:1455/auth/callback",
			scope: "openid profile email offline_access",
			callbackPort: 1455,
		});
	});

	it("points at a fake server via PI_DISPATCH_AUTH_URL, authorize being the sibling path", () => {
		const endpoints = defaultAuthEndpoints({ PI_DISPATCH_AUTH_URL: "http://127.0.0.1:4000/oauth/token" });
		expect(endpoints.tokenUrl).toBe("http://127.0.0.1:4000/oauth/token");
		expect(endpoints.authorizeUrl).toBe("http://127.0.0.1:4000/oauth/authorize");
		const nested = defaultAuthEndpoints({ PI_DISPATCH_AUTH_URL: "http://127.0.0.1:4000/fake/oauth/token" });
		expect(nested.authorizeUrl).toBe("http://127.0.0.1:4000/fake/oauth/authorize");
	});

	it("moves the callback with PI_DISPATCH_CALLBACK_PORT (0 = ephemeral)", () => {
		expect(defaultAuthEndpoints({ PI_DISPATCH_CALLBACK_PORT: "0" })).toMatchObject({
			callbackPort: 0,
			redirectUri: "http://localhost:0/auth/callback",
		});
		expect(defaultAuthEndpoints({ PI_DISPATCH_CALLBACK_PORT: "21455" }).callbackPort).toBe(21455);
	});

	it.each([
		{ PI_DISPATCH_AUTH_URL: "not a url" },
		{ PI_DISPATCH_AUTH_URL: "ftp://host/oauth/token" },
		{ PI_DISPATCH_CALLBACK_PORT: "70000" },
		{ PI_DISPATCH_CALLBACK_PORT: "12ab" },
	])("rejects malformed overrides %o", (env) => {
		expect(() => defaultAuthEndpoints(env)).toThrow(
			expect.objectContaining({ name: "AuthConfigError", code: "E_AUTH_CONFIG" }),
		);
	});
});

describe("buildAuthorizeUrl", () => {
	it("sends the same parameters as pi's Codex login", () => {
		const url = new URL(buildAuthorizeUrl(defaultAuthEndpoints({}), { challenge: "CH", state: "ST" }));
		expect(url.origin + url.pathname).toBe("https://auth.openai.com/oauth/authorize");
		expect(Object.fromEntries(url.searchParams)).toEqual({
			response_type: "code",
			client_id: "app_EMoamEEZ73f0CkXaXp7hrann",
			redirect_uri: "http://localhost:1455/auth/callback",
			scope: "openid profile email offline_access",
			code_challenge: "CH",
			code_challenge_method: "S256",
			state: "ST",
			id_token_add_organizations: "true",
			codex_cli_simplified_flow: "true",
			originator: "pi",
		});
	});
});
