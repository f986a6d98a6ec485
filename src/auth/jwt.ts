import { Buffer } from "node:buffer";
import { MissingAccountIdError } from "./auth-errors.ts";

/** Claim namespaces OpenAI puts in its access and id tokens. */
export const AUTH_CLAIM = "https://api.openai.com/auth";
export const PROFILE_CLAIM = "https://api.openai.com/profile";

export interface AccountIdentity {
	/** `chatgpt_account_id`: the workspace the token acts for; our dedupe key. */
	accountId: string;
	email?: string;
	/**
	 * The seat: `chatgpt_account_user_id`, else `<chatgpt_user_id>__<chatgpt_account_id>`; absent when
	 * the tokens name no user. Two seats of one Team/Business workspace share `accountId`, not this.
	 */
	seat?: string;
	/** `chatgpt_plan_type`, e.g. "plus", "pro", "team". */
	plan?: string;
	/** Epoch ms from the access token's `exp`. */
	expiresAt?: number;
}

type Claims = Record<string, unknown>;

/** Payload of a JWT, decoded without verifying anything. `undefined` when it is not a JWT. */
export function decodeJwtPayload(token: string): Claims | undefined {
	const parts = token.split(".");
	if (parts.length !== 3 || !parts[1]) return undefined;
	try {
		const payload: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
		return isObject(payload) ? payload : undefined;
	} catch {
		// The parse error would quote the payload; drop it.
	}
	return undefined;
}

/**
 * Who a login belongs to. The account id and plan come from the access token's auth claim (the id
 * token's as fallback); the email from the id token's top-level `email`, then the profile claim.
 */
export function accountIdentity(accessToken: string, idToken?: string): AccountIdentity {
	const access = decodeJwtPayload(accessToken);
	const id = idToken ? decodeJwtPayload(idToken) : undefined;
	const accountId = nonEmpty(
		claim(access, AUTH_CLAIM, "chatgpt_account_id") ?? claim(id, AUTH_CLAIM, "chatgpt_account_id"),
	);
	if (!accountId) throw new MissingAccountIdError();
	const identity: AccountIdentity = { accountId };
	const seat = seatOf(access, accountId) ?? seatOf(id, accountId);
	if (seat) identity.seat = seat;
	const email =
		nonEmpty(id?.email) ??
		nonEmpty(claim(id, PROFILE_CLAIM, "email")) ??
		nonEmpty(claim(access, PROFILE_CLAIM, "email"));
	if (email) identity.email = email;
	const plan = nonEmpty(claim(access, AUTH_CLAIM, "chatgpt_plan_type") ?? claim(id, AUTH_CLAIM, "chatgpt_plan_type"));
	if (plan) identity.plan = plan;
	const expiresAt = jwtExpiresAt(accessToken);
	if (expiresAt !== undefined) identity.expiresAt = expiresAt;
	return identity;
}

/** The seat key a token's claims name within `accountId`'s workspace. */
function seatOf(payload: Claims | undefined, accountId: string): string | undefined {
	const accountUser = nonEmpty(claim(payload, AUTH_CLAIM, "chatgpt_account_user_id"));
	if (accountUser) return accountUser;
	const user = nonEmpty(claim(payload, AUTH_CLAIM, "chatgpt_user_id") ?? claim(payload, AUTH_CLAIM, "user_id"));
	return user ? `${user}__${accountId}` : undefined;
}

/** Epoch ms of a JWT's `exp`, when it has one. */
export function jwtExpiresAt(token: string): number | undefined {
	const exp = decodeJwtPayload(token)?.exp;
	// Stryker disable next-line ConditionalExpression,LogicalOperator: Number.isFinite is false for every non-number
	return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
}

function claim(payload: Claims | undefined, namespace: string, key: string): unknown {
	const ns = payload?.[namespace];
	return isObject(ns) ? ns[key] : undefined;
}

function nonEmpty(value: unknown): string | undefined {
	return typeof value === "string" && value.length > 0 ? value : undefined;
}

function isObject(value: unknown): value is Claims {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
