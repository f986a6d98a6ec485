import pRetry from "p-retry";
import { NeedsLoginError, TransientUpstreamError } from "../errors.ts";
import type { AccountCredentials } from "../store/account-record.ts";
import type { AuthEndpoints } from "./auth-endpoints.ts";
import { LoginFailedError } from "./auth-errors.ts";
import { accountIdentity, jwtExpiresAt } from "./jwt.ts";
import { oauthErrorCode, refreshFailure } from "./token-errors.ts";

export interface TokenRequestOptions {
	/** Cancels the request; the promise then rejects with `signal.reason`. */
	signal?: AbortSignal;
	/** Injected fetch (tests, proxies). Defaults to the global one. */
	fetch?: typeof fetch;
	/** Per-request limit; a hung endpoint becomes a TransientUpstreamError. Default 30 s. */
	timeoutMs?: number;
}

export interface RefreshRetryOptions extends TokenRequestOptions {
	/** Retries after the first attempt. Default 2. */
	retries?: number;
	/** Delay before the first retry. Default 500 ms. */
	minTimeout?: number;
	/** Backoff growth per retry. Default 2. */
	factor?: number;
	/** Cap for one delay. Default 4 s. */
	maxTimeout?: number;
	/** Told about each transient failure that will be retried. */
	onRetry?: (error: TransientUpstreamError, attemptNumber: number) => void;
}

interface TokenBody {
	access_token: string;
	refresh_token?: string;
	id_token?: string;
	expires_in?: number;
}

/** Used when neither `expires_in` nor the JWT's `exp` says; a 401 forces a refresh anyway. */
const FALLBACK_LIFETIME_MS = 60 * 60_000;

/**
 * Trade a refresh token for new tokens. The service rotates refresh tokens: the one passed in is
 * dead afterwards, so the caller must persist the returned credentials before anything else.
 * Throws NeedsLoginError when the refresh token is dead, TransientUpstreamError otherwise.
 */
export async function refreshAccessToken(
	endpoints: AuthEndpoints,
	refreshToken: string,
	opts: TokenRequestOptions = {},
): Promise<AccountCredentials> {
	const res = await postForm(
		endpoints.tokenUrl,
		{ grant_type: "refresh_token", refresh_token: refreshToken, client_id: endpoints.clientId },
		opts,
	);
	if (!res.ok) throw refreshFailure(res.status, res.text);
	const body = parseTokenBody(res.text);
	if (!body) throw new TransientUpstreamError("The token endpoint sent an unreadable refresh response.", res.status);
	// A response without a new refresh token leaves the old one valid (codex-rs keeps it too).
	return toCredentials(body, body.refresh_token ?? refreshToken);
}

/** Trade an authorization code (plus its PKCE verifier) for the first set of tokens. */
export async function exchangeAuthorizationCode(
	endpoints: AuthEndpoints,
	grant: { code: string; verifier: string; redirectUri?: string },
	opts: TokenRequestOptions = {},
): Promise<AccountCredentials> {
	const res = await postForm(
		endpoints.tokenUrl,
		{
			grant_type: "authorization_code",
			client_id: endpoints.clientId,
			code: grant.code,
			code_verifier: grant.verifier,
			redirect_uri: grant.redirectUri ?? endpoints.redirectUri,
		},
		opts,
	);
	if (!res.ok) {
		const code = oauthErrorCode(res.text);
		const detail = `${res.status}${code ? `, ${code}` : ""}`;
		if (res.status >= 500 || res.status === 429) {
			throw new TransientUpstreamError(`The token endpoint failed the code exchange (${detail}).`, res.status);
		}
		throw new LoginFailedError(`ChatGPT login failed: the authorization code was rejected (${detail}).`, res.status);
	}
	const body = parseTokenBody(res.text);
	if (!body?.refresh_token) {
		throw new LoginFailedError("ChatGPT login failed: the token endpoint sent an incomplete response.", res.status);
	}
	return toCredentials(body, body.refresh_token);
}

/**
 * `refreshAccessToken` with a short backoff for transient failures only. A dead refresh token
 * (NeedsLoginError) or an abort ends it at once. Note a 5xx may still have rotated the token; the
 * retry then gets `refresh_token_reused`, which is reported as NeedsLoginError.
 */
export function refreshWithRetry(
	endpoints: AuthEndpoints,
	refreshToken: string,
	opts: RefreshRetryOptions = {},
): Promise<AccountCredentials> {
	return pRetry(() => refreshAccessToken(endpoints, refreshToken, opts), {
		retries: opts.retries ?? 2,
		minTimeout: opts.minTimeout ?? 500,
		factor: opts.factor ?? 2,
		maxTimeout: opts.maxTimeout ?? 4000,
		signal: opts.signal,
		shouldRetry: ({ error }) => error instanceof TransientUpstreamError,
		onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
			if (error instanceof TransientUpstreamError && retriesLeft > 0) opts.onRetry?.(error, attemptNumber);
		},
	});
}

async function postForm(
	url: string,
	form: Record<string, string>,
	opts: TokenRequestOptions,
): Promise<{ ok: boolean; status: number; text: string }> {
	const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
	const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
	try {
		const res = await (opts.fetch ?? fetch)(url, {
			method: "POST",
			headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
			body: new URLSearchParams(form),
			signal,
		});
		return { ok: res.ok, status: res.status, text: await res.text() };
	} catch (error) {
		// The caller's cancel is not an upstream failure: let it through untouched.
		if (opts.signal?.aborted) throw opts.signal.reason;
		throw new TransientUpstreamError(`The token endpoint is unreachable (${networkReason(error)}).`, undefined, {
			cause: error,
		});
	}
}

function parseTokenBody(text: string): TokenBody | undefined {
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		// The parse error would quote the body, which holds tokens: drop it.
		return undefined;
	}
	if (typeof body !== "object" || body === null) return undefined;
	const b = body as Record<string, unknown>;
	if (typeof b.access_token !== "string" || b.access_token === "") return undefined;
	return {
		access_token: b.access_token,
		refresh_token: typeof b.refresh_token === "string" && b.refresh_token !== "" ? b.refresh_token : undefined,
		id_token: typeof b.id_token === "string" && b.id_token !== "" ? b.id_token : undefined,
		expires_in: typeof b.expires_in === "number" && Number.isFinite(b.expires_in) ? b.expires_in : undefined,
	};
}

function toCredentials(body: TokenBody, refresh: string): AccountCredentials {
	const expiresAt =
		body.expires_in !== undefined
			? Date.now() + body.expires_in * 1000
			: (jwtExpiresAt(body.access_token) ?? Date.now() + FALLBACK_LIFETIME_MS);
	const credentials: AccountCredentials = { access: body.access_token, refresh, expiresAt };
	if (body.id_token) credentials.idToken = body.id_token;
	return credentials;
}

function networkReason(error: unknown): string {
	if (error instanceof Error) {
		const cause = error.cause as { code?: unknown } | undefined;
		if (typeof cause?.code === "string") return cause.code;
		if (error.name === "TimeoutError") return "timed out";
		return error.name;
	}
	return "network error";
}

/**
 * A refresh answer must be for the account that asked: its access token's `chatgpt_account_id`
 * must be the record's workspace, and its seat the record's seat when both name one. Anything else (another account's tokens, no account claim) is refused as
 * NeedsLoginError before it could be stored under this account; the spent refresh token cannot be
 * used again anyway, so only a new login helps.
 */
export function assertTokensBelongTo(
	expected: { workspace: string; seat?: string },
	credentials: AccountCredentials,
): void {
	let owner: string | undefined;
	let seat: string | undefined;
	try {
		({ accountId: owner, seat } = accountIdentity(credentials.access, credentials.idToken));
	} catch {
		owner = undefined;
	}
	if (owner === expected.workspace && seat !== undefined && expected.seat !== undefined && seat !== expected.seat) {
		throw new NeedsLoginError(
			"the token endpoint answered with tokens of another seat of this workspace; they were not stored",
		);
	}
	if (owner === expected.workspace) return;
	throw new NeedsLoginError(
		owner
			? `the token endpoint answered with tokens of another account (${owner}); they were not stored`
			: "the token endpoint answered with tokens that name no account; they were not stored",
	);
}
