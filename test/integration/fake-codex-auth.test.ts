import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	type Caller,
	CLIENT_ID,
	decodeJwtPayload,
	type FakeCodex,
	type FakeTokens,
	getUsage,
	makeFakeJwt,
	pkcePair,
	postResponses,
	postToken,
	startFakeCodex,
} from "../fake-codex/index.ts";

// wham/usage, the OAuth token endpoint (rotation, reuse, knobs), the
// authorize + PKCE code flow, and the JWTs themselves.

const AUTH = "https://api.openai.com/auth";
const REDIRECT = "http://localhost:1455/auth/callback";

let fake: FakeCodex;
let aliceTokens: FakeTokens;
let alice: Caller;

beforeEach(async () => {
	fake = await startFakeCodex({
		accounts: [{ accountId: "acct-alice", email: "alice@example.test" }, { accountId: "acct-bob" }],
	});
	aliceTokens = fake.issueTokens("acct-alice");
	alice = { accountId: "acct-alice", access: aliceTokens.access };
});

afterEach(async () => {
	await fake.close();
});

const refresh = (token: string, opts?: { json?: boolean; signal?: AbortSignal }) =>
	postToken(fake, { grant_type: "refresh_token", refresh_token: token, client_id: CLIENT_ID }, opts);

describe("GET /backend-api/wham/usage", () => {
	it("returns the real payload shape", async () => {
		fake.setUsage("acct-alice", {
			primary: { usedPercent: 42.7 },
			secondary: { usedPercent: 100, resetsInSeconds: 600 },
		});
		const res = await getUsage(fake, alice);
		expect(res.status).toBe(200);
		const body = (await res.json()) as Record<string, any>;
		expect(body).toMatchObject({
			account_id: "acct-alice",
			email: "alice@example.test",
			plan_type: "plus",
			rate_limit: { allowed: false, limit_reached: true },
			// Live balances are often empty (icebear0828/codex-proxy#65).
			credits: { has_credits: false, unlimited: false, balance: "" },
			rate_limit_reached_type: { type: "rate_limit_reached" },
			spend_control: { reached: false },
			additional_rate_limits: null,
		});
		expect(body.rate_limit.primary_window).toMatchObject({ used_percent: 42, limit_window_seconds: 18000 });
		const weekly = body.rate_limit.secondary_window;
		expect(weekly).toMatchObject({ used_percent: 100, limit_window_seconds: 604800 });
		expect(weekly.reset_at).toBe(Math.ceil(fake.usageOf("acct-alice").secondary.resetsAt / 1000));
		expect(weekly.reset_after_seconds).toBeLessThanOrEqual(600);
		expect(fake.requests.at(-1)).toMatchObject({ route: "usage", accountId: "acct-alice", status: 200 });
	});

	it("authenticates like the responses route", async () => {
		const res = await getUsage(fake, { accountId: "acct-bob", access: alice.access });
		expect(res.status).toBe(401);
	});
});

describe("POST /oauth/token refresh_token", () => {
	it("rotates both tokens and burns the old refresh token", async () => {
		const res = await refresh(aliceTokens.refresh);
		expect(res.status).toBe(200);
		const body = (await res.json()) as Record<string, any>;
		expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
		expect(body.refresh_token).not.toBe(aliceTokens.refresh);
		expect(body.access_token).not.toBe(aliceTokens.access);
		expect(decodeJwtPayload(body.id_token)).toMatchObject({ email: "alice@example.test" });
		const fresh = await postResponses(fake, { accountId: "acct-alice", access: body.access_token });
		expect(fresh.status).toBe(200);
		await fresh.text();

		const reused = await refresh(aliceTokens.refresh);
		expect(reused.status).toBe(401);
		expect(((await reused.json()) as Record<string, any>).error.code).toBe("refresh_token_reused");
		// The rotated one works, once.
		expect((await refresh(body.refresh_token, { json: true })).status).toBe(200);
	});

	it("answers invalid_grant for an unknown refresh token", async () => {
		const res = await refresh("rt_unknown");
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ error: "invalid_grant" });
	});

	it("counts calls per account", async () => {
		const bob = fake.issueTokens("acct-bob");
		await (await refresh(aliceTokens.refresh)).text();
		await (await refresh(aliceTokens.refresh)).text();
		await (await refresh(bob.refresh)).text();
		expect(fake.tokenCallCount("acct-alice")).toBe(2);
		expect(fake.tokenCallCount("acct-bob")).toBe(1);
		expect(fake.tokenCallCount()).toBe(3);
	});

	it("delayMs holds the answer; an abandoned call does not consume the token", async () => {
		fake.token.delayMs = 60_000;
		const abort = new AbortController();
		const pending = refresh(aliceTokens.refresh, { signal: abort.signal });
		await fake.waitForRequest((e) => e.route === "token" && e.accountId === "acct-alice");
		abort.abort();
		await expect(pending).rejects.toThrow();
		fake.token.delayMs = 5;
		expect((await refresh(aliceTokens.refresh)).status).toBe(200);
	});

	it("fault knobs: server-error, invalid-grant and hang leave the token unused", async () => {
		fake.token.fault = "server-error";
		expect((await refresh(aliceTokens.refresh)).status).toBe(500);
		fake.token.fault = "invalid-grant";
		const denied = await refresh(aliceTokens.refresh);
		expect(denied.status).toBe(400);
		expect(await denied.json()).toMatchObject({ error: "invalid_grant" });
		fake.token.fault = "hang";
		const pending = refresh(aliceTokens.refresh);
		await fake.waitForRequest((e) => e.route === "token" && e.status === 0);
		await fake.close();
		await expect(pending).rejects.toThrow();
	});

	it("rejects unsupported grant types", async () => {
		const res = await postToken(fake, { grant_type: "password" });
		expect(await res.json()).toMatchObject({ error: "unsupported_grant_type" });
	});
});

describe("authorize + authorization_code with PKCE", () => {
	function authorizeUrl(challenge: string, extra: Record<string, string> = {}): string {
		const url = new URL(fake.authorizeUrl);
		const params = {
			response_type: "code",
			client_id: CLIENT_ID,
			redirect_uri: REDIRECT,
			scope: "openid profile email offline_access",
			code_challenge: challenge,
			code_challenge_method: "S256",
			state: "st-123",
			...extra,
		};
		for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
		return url.toString();
	}

	async function approve(challenge: string, extra?: Record<string, string>): Promise<URL> {
		const res = await fetch(authorizeUrl(challenge, extra), { redirect: "manual" });
		expect(res.status).toBe(302);
		return new URL(res.headers.get("location") ?? "");
	}

	const exchange = (code: string, verifier: string) =>
		postToken(fake, {
			grant_type: "authorization_code",
			client_id: CLIENT_ID,
			code,
			code_verifier: verifier,
			redirect_uri: REDIRECT,
		});

	it("redirects with a code that exchanges once for the last added account's tokens", async () => {
		const { verifier, challenge } = pkcePair();
		const back = await approve(challenge);
		expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
		expect(back.searchParams.get("state")).toBe("st-123");
		const code = back.searchParams.get("code") ?? "";
		const res = await exchange(code, verifier);
		expect(res.status).toBe(200);
		const body = (await res.json()) as Record<string, any>;
		expect((decodeJwtPayload(body.access_token) as Record<string, any>)[AUTH].chatgpt_account_id).toBe("acct-bob");
		expect(fake.requests.find((e) => e.route === "authorize")).toMatchObject({ status: 302, accountId: "acct-bob" });
		expect((await exchange(code, verifier)).status).toBe(400);
	});

	it("checks the PKCE verifier", async () => {
		const { challenge } = pkcePair();
		const code = (await approve(challenge)).searchParams.get("code") ?? "";
		const res = await exchange(code, pkcePair().verifier);
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ error: "invalid_grant" });
	});

	it("logs in the account named by login_hint or nextLoginAccountId", async () => {
		const first = pkcePair();
		const hinted = await approve(first.challenge, { login_hint: "alice@example.test" });
		const a = (await (await exchange(hinted.searchParams.get("code") ?? "", first.verifier)).json()) as Record<
			string,
			any
		>;
		expect((decodeJwtPayload(a.access_token) as Record<string, any>)[AUTH].chatgpt_account_id).toBe("acct-alice");

		fake.nextLoginAccountId = "acct-alice";
		const second = pkcePair();
		const next = await approve(second.challenge);
		const b = (await (await exchange(next.searchParams.get("code") ?? "", second.verifier)).json()) as Record<
			string,
			any
		>;
		expect((decodeJwtPayload(b.id_token) as Record<string, any>)[AUTH].chatgpt_account_id).toBe("acct-alice");
	});

	it("redirects with access_denied when the user declines", async () => {
		fake.authorize.deny = true;
		const back = await approve(pkcePair().challenge);
		expect(back.searchParams.get("error")).toBe("access_denied");
		expect(back.searchParams.get("state")).toBe("st-123");
		expect(back.searchParams.has("code")).toBe(false);
	});
});

describe("JWTs", () => {
	it("carry the claims pi-ai and the Codex CLI read, unique per mint", async () => {
		const again = fake.issueTokens("acct-alice");
		expect(again.access).not.toBe(aliceTokens.access);
		const access = decodeJwtPayload(aliceTokens.access) as Record<string, any>;
		expect(access[AUTH]).toMatchObject({ chatgpt_account_id: "acct-alice", chatgpt_plan_type: "plus" });
		expect(access.exp * 1000).toBe(aliceTokens.expiresAt);
		const id = decodeJwtPayload(aliceTokens.idToken) as Record<string, any>;
		expect(id.email).toBe("alice@example.test");
		expect(id[AUTH]).toMatchObject({ chatgpt_account_id: "acct-alice", chatgpt_plan_type: "plus" });
	});

	it("stay decodable with atob() even for awkward characters", () => {
		const payload = { email: "ünï>?~çødé@example.test", note: "???>>>~~~" };
		for (let i = 0; i < 50; i++) {
			const token = makeFakeJwt({ ...payload, i });
			const [, body] = token.split(".");
			expect(JSON.parse(atob(body ?? ""))).toMatchObject({ note: payload.note, i });
			expect(decodeJwtPayload(token)).toMatchObject({ ...payload, i });
		}
	});
});
