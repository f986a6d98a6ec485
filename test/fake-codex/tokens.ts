import { randomBytes, randomUUID } from "node:crypto";
import type { Account } from "./accounts.ts";
import { makeFakeJwt } from "./jwt.ts";
import type { FakeTokens } from "./types.ts";

// Access/refresh token bookkeeping. Refresh tokens are single use and rotate
// on every refresh, like auth.openai.com; reusing one is the classic failure
// when two processes share one account.

export const CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";
const ISSUER = "https://auth.openai.com";
const AUTH_CLAIM = "https://api.openai.com/auth";
const PROFILE_CLAIM = "https://api.openai.com/profile";

interface AccessRecord {
	accountId: string;
	workspaceId: string;
	expiresAt: number;
	expired: boolean;
}

interface RefreshRecord {
	accountId: string;
	used: boolean;
}

export type AuthFailure = "missing" | "invalid" | "expired" | "mismatch";
export type AuthResult = { ok: true; accountId: string } | { ok: false; reason: AuthFailure; accountId?: string };
export type RotateResult =
	| { kind: "ok"; accountId: string }
	| { kind: "reused"; accountId: string }
	| { kind: "unknown"; accountId?: undefined };

function accessClaims(account: Account, iat: number, exp: number): Record<string, unknown> {
	return {
		aud: ["https://api.openai.com/v1"],
		client_id: CLIENT_ID,
		exp,
		iat,
		iss: ISSUER,
		jti: randomUUID(),
		nbf: iat,
		pwd_auth_time: iat * 1000,
		scp: ["openid", "profile", "email", "offline_access"],
		session_id: `authsess_${randomBytes(12).toString("hex")}`,
		[AUTH_CLAIM]: {
			chatgpt_account_id: account.workspaceId,
			chatgpt_account_user_id: `${account.userId}__${account.workspaceId}`,
			chatgpt_compute_residency: "no_constraint",
			chatgpt_plan_type: account.plan,
			chatgpt_user_id: account.userId,
			user_id: account.userId,
		},
		[PROFILE_CLAIM]: { email: account.email, email_verified: true },
		sub: `auth0|${account.userId.slice(5)}`,
	};
}

function idClaims(account: Account, iat: number): Record<string, unknown> {
	return {
		aud: [CLIENT_ID],
		auth_provider: "password",
		auth_time: iat,
		email: account.email,
		email_verified: true,
		exp: iat + 3600,
		[AUTH_CLAIM]: {
			chatgpt_account_id: account.workspaceId,
			chatgpt_plan_type: account.plan,
			chatgpt_subscription_active_start: new Date((iat - 86400) * 1000).toISOString(),
			chatgpt_subscription_active_until: new Date((iat + 30 * 86400) * 1000).toISOString(),
			chatgpt_user_id: account.userId,
			groups: [],
			organizations: [],
			user_id: account.userId,
		},
		iat,
		iss: ISSUER,
		jti: randomUUID(),
		rat: iat,
		sid: randomUUID(),
		sub: `auth0|${account.userId.slice(5)}`,
	};
}

export class TokenStore {
	private readonly access = new Map<string, AccessRecord>();
	private readonly refresh = new Map<string, RefreshRecord>();

	mint(account: Account, now = Date.now()): FakeTokens {
		const iat = Math.floor(now / 1000);
		const exp = iat + account.accessTtlSeconds;
		const access = makeFakeJwt(accessClaims(account, iat, exp));
		const refresh = `rt_${randomBytes(24).toString("base64url")}`;
		const expiresAt = exp * 1000;
		this.access.set(access, {
			accountId: account.accountId,
			workspaceId: account.workspaceId,
			expiresAt,
			expired: false,
		});
		this.refresh.set(refresh, { accountId: account.accountId, used: false });
		return { access, refresh, idToken: makeFakeJwt(idClaims(account, iat)), expiresAt };
	}

	/** Marks a refresh token used; the caller mints the replacement set. */
	consumeRefresh(token: string): RotateResult {
		const record = this.refresh.get(token);
		if (!record) return { kind: "unknown" };
		if (record.used) return { kind: "reused", accountId: record.accountId };
		record.used = true;
		return { kind: "ok", accountId: record.accountId };
	}

	/**
	 * An answer that never left this server (the client's connection closed before the reply was
	 * written): the rotation did not happen. The old refresh token is live again, the minted ones
	 * are dropped.
	 */
	undoRotation(consumed: string, minted: FakeTokens): void {
		const record = this.refresh.get(consumed);
		if (record) record.used = false;
		this.refresh.delete(minted.refresh);
		this.access.delete(minted.access);
	}

	/** Peek which account a refresh token belongs to (for logging failed calls). */
	refreshOwner(token: string): string | undefined {
		return this.refresh.get(token)?.accountId;
	}

	expireAll(accountId: string): void {
		for (const record of this.access.values()) {
			if (record.accountId === accountId) record.expired = true;
		}
	}

	/** Bearer must be a live token of the account named by chatgpt-account-id. */
	authenticate(authorization: string | undefined, accountHeader: string | undefined, now = Date.now()): AuthResult {
		const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
		if (!match?.[1]) return { ok: false, reason: "missing", accountId: accountHeader };
		const record = this.access.get(match[1]);
		if (!record) return { ok: false, reason: "invalid", accountId: accountHeader };
		if (accountHeader && accountHeader !== record.workspaceId) {
			return { ok: false, reason: "mismatch", accountId: accountHeader };
		}
		if (record.expired || now >= record.expiresAt) {
			return { ok: false, reason: "expired", accountId: record.accountId };
		}
		return { ok: true, accountId: record.accountId };
	}
}
