import { describe, expect, it } from "vitest";
import { oauthErrorCode, refreshFailure } from "../../src/auth/token-errors.ts";

const needsLogin = { name: "NeedsLoginError", code: "E_NEEDS_LOGIN" };
const transient = { name: "TransientUpstreamError", code: "E_TRANSIENT_UPSTREAM" };

describe("refreshFailure", () => {
	it.each([
		[401, { error: { code: "refresh_token_reused", message: "m" } }, needsLogin, "refresh_token_reused"],
		[401, { error: { code: "refresh_token_expired" } }, needsLogin, "refresh_token_expired"],
		[400, { error: { code: "refresh_token_invalidated" } }, needsLogin, "refresh_token_invalidated"],
		[400, { error: "invalid_grant", error_description: "x" }, needsLogin, "invalid_grant"],
		[401, { error: "invalid_grant" }, needsLogin, "invalid_grant"],
		[400, { error: "REFRESH_TOKEN_REUSED" }, needsLogin, "refresh_token_reused"],
		[401, { code: "refresh_token_reused" }, needsLogin, "refresh_token_reused"],
		[401, "not json", needsLogin, "401"],
		[500, { error: "server_error" }, transient, "500"],
		[502, "<html>bad gateway</html>", transient, "502"],
		[429, { error: "rate_limited" }, transient, "429"],
		[400, { error: "invalid_request" }, transient, "400"],
	])("%i %j", (status, body, expected, mentioned) => {
		const error = refreshFailure(status, typeof body === "string" ? body : JSON.stringify(body));
		expect(error).toMatchObject(expected);
		expect(error.message).toContain(mentioned);
	});

	it("keeps the status on transient errors", () => {
		expect(refreshFailure(503, "")).toMatchObject({ status: 503 });
	});

	it("never echoes body text into the message", () => {
		const body = JSON.stringify({ error: "rt_SECRET value with spaces", refresh_token: "rt_SECRET" });
		expect(refreshFailure(400, body).message).not.toContain("SECRET");
		expect(refreshFailure(401, body).message).not.toContain("SECRET");
		expect(oauthErrorCode(body)).toBeUndefined();
	});
});
