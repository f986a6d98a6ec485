/**
 * pi's own `/login` for OpenAI Codex, when pi-dispatch owns the `openai-codex` login: the ChatGPT
 * login runs as /dispatch-login does and lands in the pool (added, or the known account updated).
 * pi stores what this returns, but while pi-dispatch is installed pi never refreshes that copy
 * (see `ownedOAuth` in the glue), so the single-use refresh token is spent by the pool alone.
 */
import { type LoginIO, loginWithChatGPT } from "../auth/oauth-login.ts";
import type { DispatchRuntime } from "../runtime.ts";
import { loginMessage } from "./login.ts";
import { saveLogin } from "./save-login.ts";

/** The provider's name in pi's /login and /logout lists; /logout prints it ("Logged out of …"). */
export const PI_PROVIDER_NAME = "OpenAI Codex (pi-dispatch pool; /logout keeps the pool)";

/** The login's name in pi's /login list. */
export const PI_LOGIN_NAME = "OpenAI (ChatGPT Plus/Pro) into the pi-dispatch pool";

/** What pi keeps in auth.json for `openai-codex`. */
export interface PiStoredLogin {
	[key: string]: unknown;
	access: string;
	refresh: string;
	expires: number;
	accountId: string;
}

/** Runs the ChatGPT login, saves it in the pool, and says what happened through `notify`. */
export async function loginFromPi(
	runtime: DispatchRuntime,
	io: LoginIO,
	notify: (message: string) => void,
): Promise<PiStoredLogin> {
	const supervisor = await runtime.supervisor();
	const login = await loginWithChatGPT(runtime.config.auth, io);
	const outcome = await saveLogin(supervisor.store, login);
	await supervisor.reload();
	notify(`pi-dispatch: ${loginMessage(login, outcome)}`);
	const { access, refresh, expiresAt } = login.credentials;
	return { access, refresh, expires: expiresAt, accountId: login.identity.accountId };
}
