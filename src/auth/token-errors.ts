import { NeedsLoginError, TransientUpstreamError } from "../errors.ts";

/** Refresh-token rejections that only a new login cures (codex-rs `classify_refresh_token_failure`). */
const REJECTIONS: Record<string, string> = {
	refresh_token_reused: "was already used, probably by another client sharing this login",
	refresh_token_expired: "has expired",
	refresh_token_invalidated: "was revoked",
	invalid_grant: "was rejected",
};

/**
 * The OAuth error code of a token endpoint body, in either shape the service uses:
 * `{"error":"invalid_grant"}` or `{"error":{"code":"refresh_token_reused"}}` (or a top-level `code`).
 * Only code-like strings are returned, so a message never echoes arbitrary body text.
 */
export function oauthErrorCode(bodyText: string): string | undefined {
	let body: unknown;
	try {
		body = JSON.parse(bodyText);
	} catch {
		return undefined;
	}
	if (typeof body !== "object" || body === null) return undefined;
	const { error, code } = body as { error?: unknown; code?: unknown };
	const raw =
		typeof error === "string"
			? error
			: typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
				? (error as { code: string }).code
				: code;
	return typeof raw === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(raw) ? raw.toLowerCase() : undefined;
}

/** Classify a failed refresh: a dead refresh token needs a login; anything else may pass. */
export function refreshFailure(status: number, bodyText: string): NeedsLoginError | TransientUpstreamError {
	const code = oauthErrorCode(bodyText);
	const rejection = code ? REJECTIONS[code] : undefined;
	// Like codex-rs: a known code is final whatever the status; a bare 401 is final too.
	if (rejection && (code !== "invalid_grant" || status === 400 || status === 401)) {
		return new NeedsLoginError(`The refresh token ${rejection} (${code}); log in to this account again.`);
	}
	if (status === 401) {
		return new NeedsLoginError(
			`The token endpoint rejected the refresh token (401${code ? `, ${code}` : ""}); log in again.`,
		);
	}
	return new TransientUpstreamError(
		`The token endpoint failed the refresh (${status}${code ? `, ${code}` : ""}).`,
		status,
	);
}
