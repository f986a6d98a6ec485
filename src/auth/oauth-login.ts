import type { AccountCredentials } from "../store/account-record.ts";
import { type AuthEndpoints, DEFAULT_CALLBACK_PORT } from "./auth-endpoints.ts";
import {
	LoginCancelledError,
	LoginStateMismatchError,
	LoginTimeoutError,
	loginErrorForRedirect,
} from "./auth-errors.ts";
import { parseAuthorizationInput } from "./authorization-input.ts";
import { buildAuthorizeUrl } from "./authorize-url.ts";
import { startCallbackServer } from "./callback-server.ts";
import { accountIdentity } from "./jwt.ts";
import { createPkce, createState } from "./pkce.ts";
import { exchangeAuthorizationCode } from "./token-client.ts";

/** How the login talks to the user; pi's UI (or a test) implements it. */
export interface LoginIO {
	showUrl(url: string): void;
	openBrowser?(url: string): void;
	/**
	 * Ask for the redirect URL or code. Resolve `""` or reject to cancel the login. `signal`
	 * aborts when the login is decided elsewhere (callback, timeout): close the prompt then.
	 */
	promptManualCode(message: string, signal: AbortSignal): Promise<string>;
	/** Cancels the whole login. */
	signal?: AbortSignal;
}

export interface LoginOptions {
	/** Default 10 minutes. */
	timeoutMs?: number;
	/** Default `pi`, like pi's own login. */
	originator?: string;
	/** Default `PI_OAUTH_CALLBACK_HOST` or 127.0.0.1, like pi. */
	callbackHost?: string;
	fetch?: typeof fetch;
}

export interface LoginResult {
	credentials: AccountCredentials;
	identity: { accountId: string; seat?: string; email?: string; plan?: string };
}

export const DEFAULT_LOGIN_TIMEOUT_MS = 10 * 60_000;

/**
 * Interactive ChatGPT login (authorization code + PKCE), independent of pi's UI: the browser's
 * redirect to the local callback server races a pasted redirect URL, a timeout and the caller's
 * abort. Persists nothing, so a cancelled or denied login changes nothing.
 */
export async function loginWithChatGPT(
	endpoints: AuthEndpoints,
	io: LoginIO,
	opts: LoginOptions = {},
): Promise<LoginResult> {
	const cancel = io.signal;
	if (cancel?.aborted) throw new LoginCancelledError();
	const timeoutMs = opts.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
	const pkce = createPkce();
	const state = createState();
	const redirect = new URL(endpoints.redirectUri);
	const server = await startCallbackServer({
		host: opts.callbackHost ?? (process.env.PI_OAUTH_CALLBACK_HOST || "127.0.0.1"),
		port: endpoints.callbackPort ?? (Number(redirect.port) || DEFAULT_CALLBACK_PORT),
		path: redirect.pathname,
		state,
	});
	// An ephemeral callback port (tests) must be the one the redirect names.
	let redirectUri = endpoints.redirectUri;
	if (server && String(server.port) !== redirect.port) {
		redirect.port = String(server.port);
		redirectUri = redirect.toString();
	}

	const decided = new AbortController();
	let code: string;
	try {
		const url = buildAuthorizeUrl(endpoints, {
			challenge: pkce.challenge,
			state,
			redirectUri,
			originator: opts.originator,
		});
		io.showUrl(url);
		try {
			io.openBrowser?.(url);
		} catch {
			// The URL is shown already; a failing launcher is not a failed login.
		}
		code = await Promise.race([
			server?.result ?? new Promise<string>(() => {}),
			pastedCode(io, state, server !== undefined, decided.signal),
			rejectAfter(timeoutMs, decided.signal),
			rejectOnAbort(cancel, decided.signal),
		]);
	} finally {
		decided.abort();
		await server?.close();
	}

	let credentials: AccountCredentials;
	try {
		credentials = await exchangeAuthorizationCode(
			endpoints,
			{ code, verifier: pkce.verifier, redirectUri },
			{ signal: cancel, fetch: opts.fetch },
		);
	} catch (error) {
		if (cancel?.aborted) throw new LoginCancelledError();
		throw error;
	}
	const { accountId, seat, email, plan } = accountIdentity(credentials.access, credentials.idToken);
	const identity: LoginResult["identity"] = { accountId, ...(seat ? { seat } : {}) };
	if (email) identity.email = email;
	if (plan) identity.plan = plan;
	return { credentials, identity };
}

/** Prompt until the input holds a code (or an OAuth error); `""` or a rejected prompt cancels. */
async function pastedCode(io: LoginIO, state: string, hasCallback: boolean, decided: AbortSignal): Promise<string> {
	let message = hasCallback
		? "Finish the login in your browser, or paste the redirect URL (or the code) here:"
		: "The login callback port is busy. After signing in, copy the URL the browser could not load and paste it here:";
	for (;;) {
		let input: string;
		try {
			input = await io.promptManualCode(message, decided);
		} catch {
			throw new LoginCancelledError();
		}
		if (input.trim() === "") throw new LoginCancelledError();
		const parsed = parseAuthorizationInput(input);
		if (parsed.state !== undefined && parsed.state !== state) throw new LoginStateMismatchError();
		if (parsed.error) throw loginErrorForRedirect(parsed.error);
		if (parsed.code) return parsed.code;
		message = "That held no authorization code. Paste the full URL from the browser's address bar:";
	}
}

function rejectAfter(timeoutMs: number, decided: AbortSignal): Promise<never> {
	return new Promise((_, reject) => {
		const timer = setTimeout(() => reject(new LoginTimeoutError(timeoutMs)), timeoutMs);
		decided.addEventListener("abort", () => clearTimeout(timer), { once: true });
	});
}

function rejectOnAbort(cancel: AbortSignal | undefined, decided: AbortSignal): Promise<never> {
	return new Promise((_, reject) => {
		if (!cancel) return;
		if (cancel.aborted) return reject(new LoginCancelledError());
		const onAbort = () => reject(new LoginCancelledError());
		cancel.addEventListener("abort", onAbort, { once: true });
		decided.addEventListener("abort", () => cancel.removeEventListener("abort", onAbort), { once: true });
	});
}
