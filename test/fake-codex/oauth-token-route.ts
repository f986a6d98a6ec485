import { createHash } from "node:crypto";
import {
	type ErrorReply,
	invalidGrant,
	oauthError,
	refreshTokenError,
	refreshTokenReused,
	tokenServerError,
} from "./errors.ts";
import { BodyError, decodeBody, header, parseFormOrJson, readRaw, sleep, untilAborted } from "./http-util.ts";
import { begin, type RouteContext, replyJson } from "./route-context.ts";
import type { FakeState } from "./state.ts";
import type { FakeTokens } from "./types.ts";

// POST /oauth/token like auth.openai.com: form-encoded (pi-ai) or JSON (the
// Codex CLI). refresh_token rotates and burns the old refresh token; reuse
// gives 401 refresh_token_reused, an unknown one RFC 6749 invalid_grant.
// The configured delay runs before the request is processed; the rotation
// stands once the answer is written out (see README, "Token delay and kills").
// authorization_code checks the PKCE S256 challenge from /oauth/authorize.

function tokenReply(state: FakeState, accountId: string, onMint?: (tokens: FakeTokens) => void): ErrorReply {
	const account = state.account(accountId);
	const tokens = state.tokens.mint(account);
	onMint?.(tokens);
	return {
		status: 200,
		body: {
			access_token: tokens.access,
			refresh_token: tokens.refresh,
			id_token: tokens.idToken,
			expires_in: account.accessTtlSeconds,
			token_type: "Bearer",
			scope: "openid profile email offline_access",
		},
	};
}

function pkceMatches(verifier: string, challenge: string): boolean {
	return createHash("sha256").update(verifier).digest("base64url") === challenge;
}

function exchangeCode(state: FakeState, p: Record<string, string>): ErrorReply {
	const record = p.code ? state.codes.get(p.code) : undefined;
	if (!record || record.used || Date.now() > record.expiresAt) {
		return invalidGrant("Invalid or expired authorization code");
	}
	record.used = true;
	if (p.redirect_uri !== record.redirectUri)
		return invalidGrant("redirect_uri does not match the authorization request");
	if (record.clientId && p.client_id !== record.clientId) return invalidGrant("client_id does not match");
	if (!p.code_verifier || !pkceMatches(p.code_verifier, record.challenge)) {
		return invalidGrant("PKCE verification failed");
	}
	return tokenReply(state, record.accountId);
}

function refresh(ctx: RouteContext, p: Record<string, string>): ErrorReply {
	const { state } = ctx;
	const consumed = p.refresh_token ?? "";
	const result = state.tokens.consumeRefresh(consumed);
	if (result.kind === "unknown") return invalidGrant("Invalid refresh token");
	if (result.kind === "reused") return refreshTokenReused();
	// The rotation counts once the answer is written out; a connection closed before that undoes it.
	const onMint = (tokens: FakeTokens) => {
		ctx.res.once("close", () => {
			if (!ctx.res.writableFinished) state.tokens.undoRotation(consumed, tokens);
		});
	};
	if (state.token.fault === "foreign") {
		const other =
			state.token.foreignAccountId ?? [...state.accounts.keys()].find((id) => id !== result.accountId) ?? "acct-x";
		return tokenReply(state, other, onMint);
	}
	return tokenReply(state, result.accountId, onMint);
}

export async function handleToken(ctx: RouteContext): Promise<void> {
	const { state, req } = ctx;
	const entry = begin(ctx, { route: "token" });
	let params: Record<string, string>;
	try {
		const raw = decodeBody(await readRaw(req), header(req, "content-encoding"));
		params = parseFormOrJson(raw.toString("utf8"), header(req, "content-type"));
	} catch (error) {
		if (error instanceof BodyError) replyJson(ctx, entry, oauthError("invalid_request", error.message, error.status));
		return;
	}
	const owner =
		params.grant_type === "refresh_token"
			? state.tokens.refreshOwner(params.refresh_token ?? "")
			: state.codes.get(params.code ?? "")?.accountId;
	state.patch(entry, { body: params, accountId: owner });

	await sleep(state.token.delayMs, ctx.signal);
	if (ctx.signal.aborted) return;
	if (state.token.fault === "hang") return untilAborted(ctx.signal);
	if (state.token.fault === "server-error") return replyJson(ctx, entry, tokenServerError());
	if (state.token.fault === "invalid-grant") return replyJson(ctx, entry, invalidGrant("Invalid refresh token"));
	if (state.token.fault === "refresh-error") {
		const { status, code } = state.token.refreshError ?? { status: 401, code: "refresh_token_reused" as const };
		return replyJson(ctx, entry, refreshTokenError(code, status));
	}

	if (params.grant_type === "refresh_token") return replyJson(ctx, entry, refresh(ctx, params));
	if (params.grant_type === "authorization_code") return replyJson(ctx, entry, exchangeCode(state, params));
	replyJson(ctx, entry, oauthError("unsupported_grant_type", `Unsupported grant_type: ${params.grant_type ?? ""}`));
}
