/**
 * /dispatch-login [label]: the ChatGPT login (PKCE, pi's client and scopes) in pi's own UI. The
 * URL is shown and opened; the browser's redirect reaches the local callback server, or the user
 * pastes it into an input dialog (remote machine, busy port). Nothing is stored until the login
 * succeeded and the label checked out.
 */
import { validateLabel } from "../auth/labels.ts";
import { type LoginIO, type LoginOptions, loginWithChatGPT } from "../auth/oauth-login.ts";
import { openBrowser } from "../auth/open-browser.ts";
import type { CommandEnv, DispatchCommand } from "./command-env.ts";
import { type LoginToSave, loginWho, type SaveOutcome, saveLogin } from "./save-login.ts";

export interface LoginCommandDeps {
	openBrowser?: (url: string) => void;
	login?: Pick<LoginOptions, "timeoutMs" | "fetch">;
}

export function loginCommand(deps: LoginCommandDeps = {}): DispatchCommand {
	return {
		name: "dispatch-login",
		description: "Log in to a ChatGPT account and add it to the pool: /dispatch-login [label]",
		async run(args, env) {
			const label = args === "" ? undefined : args;
			// Spelling problems are found before the browser opens; "taken" needs the account id.
			if (label !== undefined) validateLabel(label, []);
			const supervisor = await env.runtime.supervisor();
			const login = await loginWithChatGPT(env.runtime.config.auth, loginIO(env, deps), deps.login);
			const outcome = await saveLogin(supervisor.store, login, label !== undefined ? { label } : {});
			await supervisor.reload();
			env.ui.notify(loginMessage(login, outcome), "info");
		},
	};
}

function loginIO(env: CommandEnv, deps: LoginCommandDeps): LoginIO {
	const { ui } = env;
	return {
		showUrl(url) {
			ui.notify(`Log in to ChatGPT in your browser: ${url}`, "info");
		},
		openBrowser: deps.openBrowser ?? openBrowser,
		promptManualCode(message, signal) {
			if (!ui.hasDialogs) return untilAborted(signal);
			// Escape resolves undefined: "" cancels the login.
			return ui.input(message, "redirect URL or code", { signal }).then((value) => value ?? "");
		},
	};
}

/** Print mode has no dialog: only the browser's redirect (or the timeout) can finish the login. */
function untilAborted(signal: AbortSignal): Promise<string> {
	return new Promise((_, reject) => {
		signal.addEventListener("abort", () => reject(signal.reason), { once: true });
	});
}

export function loginMessage(login: LoginToSave, outcome: SaveOutcome): string {
	const who = loginWho(login);
	switch (outcome.kind) {
		case "added":
			return `Logged in ${who}; added as ${outcome.label}.`;
		case "updated":
			return outcome.previousLabel === outcome.label
				? `Logged in ${who}; updated the login of ${outcome.label}.`
				: `Logged in ${who}; updated the login of ${outcome.previousLabel}, now labelled ${outcome.label}.`;
		case "kept":
			return `${who} is already ${outcome.label}; nothing changed.`;
	}
}
