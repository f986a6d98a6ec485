// Public surface of the auth module. Nothing here imports pi, so it runs in worker threads too.
export type { AuthEndpoints } from "./auth-endpoints.ts";
export { CODEX_CLIENT_ID, DEFAULT_CALLBACK_PORT, defaultAuthEndpoints } from "./auth-endpoints.ts";
export {
	AuthConfigError,
	ImportSourceError,
	LoginCancelledError,
	LoginDeniedError,
	LoginFailedError,
	LoginStateMismatchError,
	LoginTimeoutError,
	MissingAccountIdError,
} from "./auth-errors.ts";
export type { ImportedLogin } from "./import-sources.ts";
export { defaultCodexHome, defaultPiAgentDir, readCodexCliLogin, readPiAuthLogin } from "./import-sources.ts";
export type { AccountIdentity } from "./jwt.ts";
export { accountIdentity, decodeJwtPayload, jwtExpiresAt } from "./jwt.ts";
export { nextDefaultLabel, validateLabel } from "./labels.ts";
export type { LoginIO, LoginOptions, LoginResult } from "./oauth-login.ts";
export { loginWithChatGPT } from "./oauth-login.ts";
export { openBrowser } from "./open-browser.ts";
export type { RefreshRetryOptions, TokenRequestOptions } from "./token-client.ts";
export { exchangeAuthorizationCode, refreshAccessToken, refreshWithRetry } from "./token-client.ts";
