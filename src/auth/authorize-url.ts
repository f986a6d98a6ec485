import type { AuthEndpoints } from "./auth-endpoints.ts";

/** pi sends `originator=pi`; the service uses it to label the login. */
export const DEFAULT_ORIGINATOR = "pi";

/** The consent URL, with the same parameters and order as pi's own Codex login. */
export function buildAuthorizeUrl(
	endpoints: AuthEndpoints,
	flow: { challenge: string; state: string; redirectUri?: string; originator?: string },
): string {
	const url = new URL(endpoints.authorizeUrl);
	url.searchParams.set("response_type", "code");
	url.searchParams.set("client_id", endpoints.clientId);
	url.searchParams.set("redirect_uri", flow.redirectUri ?? endpoints.redirectUri);
	url.searchParams.set("scope", endpoints.scope);
	url.searchParams.set("code_challenge", flow.challenge);
	url.searchParams.set("code_challenge_method", "S256");
	url.searchParams.set("state", flow.state);
	url.searchParams.set("id_token_add_organizations", "true");
	url.searchParams.set("codex_cli_simplified_flow", "true");
	url.searchParams.set("originator", flow.originator ?? DEFAULT_ORIGINATOR);
	return url.toString();
}
