import { DispatchError } from "../errors.ts";

/** The user pressed "Cancel" on the ChatGPT consent page (`error=access_denied`). */
export class LoginDeniedError extends DispatchError {
	override readonly code = "E_LOGIN_DENIED";
	override name = "LoginDeniedError";
	constructor() {
		super("ChatGPT login was denied in the browser; nothing was changed.");
	}
}

/** Neither the browser callback nor a pasted code arrived in time. */
export class LoginTimeoutError extends DispatchError {
	override readonly code = "E_LOGIN_TIMEOUT";
	override name = "LoginTimeoutError";
	constructor(timeoutMs: number) {
		super(`ChatGPT login timed out after ${Math.round(timeoutMs / 1000)}s; nothing was changed.`);
	}
}

/** The caller aborted the login, or the user dismissed the paste prompt. */
export class LoginCancelledError extends DispatchError {
	override readonly code = "E_LOGIN_CANCELLED";
	override name = "LoginCancelledError";
	constructor() {
		super("ChatGPT login was cancelled; nothing was changed.");
	}
}

/** The redirect carried another login attempt's `state`: stale tab or a forged callback. */
export class LoginStateMismatchError extends DispatchError {
	override readonly code = "E_LOGIN_STATE";
	override name = "LoginStateMismatchError";
	constructor() {
		super("ChatGPT login failed: the redirect belongs to another login attempt (state mismatch). Try again.");
	}
}

/** Any other login failure (OAuth error in the redirect, code exchange rejected, odd response). */
export class LoginFailedError extends DispatchError {
	override readonly code = "E_LOGIN_FAILED";
	override name = "LoginFailedError";
	readonly status: number | undefined;
	constructor(message: string, status?: number) {
		super(message);
		this.status = status;
	}
}

/** A token carries no `chatgpt_account_id`: it is not a ChatGPT (Codex) login. */
export class MissingAccountIdError extends DispatchError {
	override readonly code = "E_NO_ACCOUNT_ID";
	override name = "MissingAccountIdError";
	constructor() {
		super("The token has no ChatGPT account id; it is not a ChatGPT Codex login.");
	}
}

/** An existing login file cannot be read or understood. Names the file, never its content. */
export class ImportSourceError extends DispatchError {
	override readonly code = "E_IMPORT_SOURCE";
	override name = "ImportSourceError";
	readonly file: string;
	constructor(file: string, reason: string) {
		super(`Cannot import the login in ${file}: ${reason}.`);
		this.file = file;
	}
}

/** PI_DISPATCH_AUTH_URL or PI_DISPATCH_CALLBACK_PORT is malformed. */
export class AuthConfigError extends DispatchError {
	override readonly code = "E_AUTH_CONFIG";
	override name = "AuthConfigError";
}

/** The typed error for an OAuth `error=` in the redirect. Only code-like values reach the message. */
export function loginErrorForRedirect(error: string): LoginDeniedError | LoginFailedError {
	if (error === "access_denied") return new LoginDeniedError();
	const code = /^[A-Za-z0-9_.-]{1,64}$/.test(error) ? error : "unknown error";
	return new LoginFailedError(`ChatGPT login failed: the authorization server answered "${code}".`);
}
