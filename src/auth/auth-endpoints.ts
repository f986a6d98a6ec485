import { AuthConfigError } from "./auth-errors.ts";

/** Where and as whom the OAuth flow talks. The same values pi's own Codex login uses. */
export interface AuthEndpoints {
	tokenUrl: string;
	authorizeUrl: string;
	clientId: string;
	redirectUri: string;
	scope: string;
	/** Port the login callback server binds; `0` = ephemeral (tests). Defaults to redirectUri's port. */
	callbackPort?: number;
}

/** The Codex CLI's public OAuth client, which pi uses too (PKCE, no secret). */
export const CODEX_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";
export const OPENAI_TOKEN_URL = "https://auth.openai.com/oauth/token";
export const OPENAI_AUTHORIZE_URL = "https://auth.openai.com/oauth/authorize";
export const CODEX_SCOPE = "openid profile email offline_access";
/** The client only allows this exact redirect, so the callback must be on localhost:1455. */
export const DEFAULT_CALLBACK_PORT = 1455;

/**
 * Real endpoints, or a fake server's when `PI_DISPATCH_AUTH_URL` (its token URL) is set: the
 * authorize URL is then the sibling `authorize` path on the same server. `PI_DISPATCH_CALLBACK_PORT`
 * moves the callback server (`0` = any free port).
 */
export function defaultAuthEndpoints(env: NodeJS.ProcessEnv = process.env): AuthEndpoints {
	const callbackPort = parseCallbackPort(env.PI_DISPATCH_CALLBACK_PORT);
	const override = env.PI_DISPATCH_AUTH_URL?.trim();
	let tokenUrl = OPENAI_TOKEN_URL;
	let authorizeUrl = OPENAI_AUTHORIZE_URL;
	if (override) {
		const url = parseHttpUrl(override);
		tokenUrl = url.toString();
		authorizeUrl = new URL("authorize", url).toString();
	}
	return {
		tokenUrl,
		authorizeUrl,
		clientId: CODEX_CLIENT_ID,
		redirectUri: `http://localhost:${callbackPort}/auth/callback`,
		scope: CODEX_SCOPE,
		callbackPort,
	};
}

function parseCallbackPort(raw: string | undefined): number {
	if (raw === undefined || raw.trim() === "") return DEFAULT_CALLBACK_PORT;
	const port = Number(raw);
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		throw new AuthConfigError("PI_DISPATCH_CALLBACK_PORT must be a port number (0 for any free port).");
	}
	return port;
}

function parseHttpUrl(raw: string): URL {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new AuthConfigError("PI_DISPATCH_AUTH_URL is not a URL; expected e.g. http://127.0.0.1:PORT/oauth/token.");
	}
	if (url.protocol !== "http:" && url.protocol !== "https:") {
		throw new AuthConfigError("PI_DISPATCH_AUTH_URL must be an http(s) URL.");
	}
	return url;
}
