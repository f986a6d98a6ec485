import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuthEndpoints, defaultAuthEndpoints } from "../../src/auth/auth-endpoints.ts";
import { accountIdentity } from "../../src/auth/jwt.ts";
import { exchangeAuthorizationCode, refreshAccessToken, refreshWithRetry } from "../../src/auth/token-client.ts";
import { FAKE_ACCOUNT, type FakeOAuthServer, startFakeOAuthServer } from "../fixtures/auth/fake-oauth-server.ts";
import { makeAccessToken } from "../fixtures/auth/jwt.ts";

const needsLogin = { name: "NeedsLoginError", code: "E_NEEDS_LOGIN" };
const transient = { name: "TransientUpstreamError", code: "E_TRANSIENT_UPSTREAM" };

let fake: FakeOAuthServer;
let endpoints: AuthEndpoints;
beforeEach(async () => {
	fake = await startFakeOAuthServer();
	endpoints = defaultAuthEndpoints({ PI_DISPATCH_AUTH_URL: fake.tokenUrl, PI_DISPATCH_CALLBACK_PORT: "0" });
});
afterEach(async () => {
	await fake.close();
});

describe("refreshAccessToken", () => {
	it("returns rotated credentials with the id token and an expiry", async () => {
		const old = fake.seedRefreshToken();
		const before = Date.now();
		const credentials = await refreshAccessToken(endpoints, old);
		expect(credentials.refresh).not.toBe(old);
		expect(credentials.idToken).toBeTypeOf("string");
		expect(credentials.expiresAt).toBeGreaterThanOrEqual(before + 3600_000);
		expect(accountIdentity(credentials.access, credentials.idToken)).toMatchObject({
			accountId: FAKE_ACCOUNT.accountId,
			email: FAKE_ACCOUNT.email,
			plan: FAKE_ACCOUNT.plan,
		});
		// The rotated token works once more; the old one is dead.
		await expect(refreshAccessToken(endpoints, credentials.refresh)).resolves.toMatchObject({
			access: expect.any(String),
		});
	});

	it("reports a reused refresh token as NeedsLoginError without the token", async () => {
		const old = fake.seedRefreshToken();
		await refreshAccessToken(endpoints, old);
		const error = await refreshAccessToken(endpoints, old).catch((e: unknown) => e);
		expect(error).toMatchObject(needsLogin);
		expect((error as Error).message).toContain("refresh_token_reused");
		expect((error as Error).message).not.toContain(old);
	});

	it("reports an unknown refresh token (invalid_grant) as NeedsLoginError", async () => {
		await expect(refreshAccessToken(endpoints, "rt_never_issued")).rejects.toMatchObject(needsLogin);
	});

	it("reports 500 and 429 as TransientUpstreamError with the status", async () => {
		fake.failNext(1, 500);
		await expect(refreshAccessToken(endpoints, fake.seedRefreshToken())).rejects.toMatchObject({
			...transient,
			status: 500,
		});
		fake.failNext(1, 429);
		await expect(refreshAccessToken(endpoints, fake.seedRefreshToken())).rejects.toMatchObject({
			...transient,
			status: 429,
		});
	});

	it("reports a closed port as TransientUpstreamError without a status", async () => {
		const port = await closedPort();
		const down = { ...endpoints, tokenUrl: `http://127.0.0.1:${port}/oauth/token` };
		await expect(refreshAccessToken(down, "rt_x")).rejects.toMatchObject({ ...transient, status: undefined });
	});

	it("passes the caller's abort through instead of calling it transient", async () => {
		const controller = new AbortController();
		controller.abort(new Error("stop"));
		await expect(refreshAccessToken(endpoints, "rt_x", { signal: controller.signal })).rejects.toThrow("stop");
	});

	it("takes the expiry from the JWT when expires_in is missing, and treats junk as transient", async () => {
		const access = makeAccessToken({ accountId: "a" }, 2_000_000_000);
		const fetchJson = (body: string) => async () => new Response(body, { status: 200 });
		await expect(
			refreshAccessToken(endpoints, "rt_old", { fetch: fetchJson(JSON.stringify({ access_token: access })) }),
		).resolves.toEqual({ access, refresh: "rt_old", expiresAt: 2_000_000_000_000 });
		const error = await refreshAccessToken(endpoints, "rt_old", {
			fetch: fetchJson('{"access_token": "SECRET'),
		}).catch((e: unknown) => e);
		expect(error).toMatchObject(transient);
		expect((error as Error).message).not.toContain("SECRET");
	});
});

describe("refreshWithRetry", () => {
	it("retries a 500 and then succeeds", async () => {
		fake.failNext(1, 500);
		const retried: number[] = [];
		const credentials = await refreshWithRetry(endpoints, fake.seedRefreshToken(), {
			minTimeout: 1,
			onRetry: (error, attempt) => retried.push(error.status ?? 0, attempt),
		});
		expect(credentials.access).toBeTypeOf("string");
		expect(retried).toEqual([500, 1]);
		expect(fake.control.tokenRequests).toBe(2);
	});

	it("gives up after the retries with the last TransientUpstreamError", async () => {
		fake.failNext(3, 503);
		await expect(
			refreshWithRetry(endpoints, fake.seedRefreshToken(), { minTimeout: 1, retries: 2 }),
		).rejects.toMatchObject({
			...transient,
			status: 503,
		});
		expect(fake.control.tokenRequests).toBe(3);
	});

	it("does not retry NeedsLoginError", async () => {
		await expect(refreshWithRetry(endpoints, "rt_never_issued", { minTimeout: 1 })).rejects.toMatchObject(needsLogin);
		expect(fake.control.tokenRequests).toBe(1);
	});

	it("retries a network failure and keeps it transient", async () => {
		const down = { ...endpoints, tokenUrl: `http://127.0.0.1:${await closedPort()}/oauth/token` };
		await expect(refreshWithRetry(down, "rt_x", { minTimeout: 1, retries: 1 })).rejects.toMatchObject(transient);
	});
});

describe("exchangeAuthorizationCode", () => {
	it("rejects an unknown code as LoginFailedError", async () => {
		await expect(
			exchangeAuthorizationCode(endpoints, { code: "ac_bogus", verifier: "v".repeat(43) }),
		).rejects.toMatchObject({ name: "LoginFailedError", code: "E_LOGIN_FAILED", status: 400 });
	});

	it("reports a 5xx during the exchange as transient", async () => {
		fake.failNext(1, 502);
		await expect(exchangeAuthorizationCode(endpoints, { code: "ac_x", verifier: "v" })).rejects.toMatchObject({
			...transient,
			status: 502,
		});
	});
});

/** A port nobody listens on: bind one, then release it. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}
