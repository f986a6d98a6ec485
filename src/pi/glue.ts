/**
 * The only module that touches pi at run time: the provider override, the commands, the
 * lifecycle hooks and the footer. A newer pi should change this file and nothing else (and, if pi-ai
 * moves the Codex client, host-pi-ai.ts beside it, which the entry imports, see src/index.ts; and
 * unwrapped-codex-client.ts, which falls back to pi-ai's lazy client on anything it does not expect).
 */
import { writeSync } from "node:fs";
import type { OAuthLoginCallbacks } from "@earendil-works/pi-ai";
import type { ExtensionAPI, ExtensionContext, ProviderConfig } from "@earendil-works/pi-coding-agent";
import type { LoginIO } from "../auth/oauth-login.ts";
import type { CommandEnv, CommandUI } from "../commands/command-env.ts";
import { COMMANDS } from "../commands/index.ts";
import { loginFromPi, PI_LOGIN_NAME, PI_PROVIDER_NAME } from "../commands/pi-login.ts";
import { onSessionStart } from "../commands/session-hooks.ts";
import { SessionWatch } from "../commands/session-watch.ts";
import { safeOneLine } from "../commands/text-format.ts";
import { piAgentDir } from "../config.ts";
import { describeError } from "../errors.ts";
import { type DispatchRuntime, getRuntime, stopRuntime } from "../runtime.ts";
import type { HostPiAi } from "./host-pi-ai.ts";
import { unwrapCodexClient } from "./unwrapped-codex-client.ts";

/** pi needs an API key to consider the provider configured; the real tokens come from the pool. */
export const MANAGED_API_KEY = "pi-dispatch-managed";

/** `piAi`: pi's own pi-ai parts, which src/index.ts passes in; its Codex client is the runtime's. */
export function installDispatch(pi: ExtensionAPI, piAi: HostPiAi): void {
	const client = unwrapCodexClient(piAi);
	const runtime = () => getRuntime(client);
	/** This session's footer and live status; one per extension instance (pi re-runs us per session). */
	let watch: SessionWatch | undefined;

	/** Starts (or keeps) the watch once the supervisor runs; a command may be what started it. */
	const attachWatch = (ctx: ExtensionContext, rt: DispatchRuntime) => {
		const supervisor = rt.running();
		const sessionKey = ctx.sessionManager.getSessionId();
		if (!supervisor) return;
		if (watch && watch.supervisor === supervisor && watch.sessionKey === sessionKey) return;
		watch?.stop();
		watch = new SessionWatch(supervisor, sessionKey, commandUI(ctx));
	};

	const commandEnv = (ctx: ExtensionContext, rt: DispatchRuntime): CommandEnv => ({
		runtime: rt,
		ui: commandUI(ctx),
		sessionKey: ctx.sessionManager.getSessionId(),
		piAgentDir: piAgentDir(),
		...(watch ? { session: watch } : {}),
	});

	pi.registerProvider("openai-codex", {
		name: PI_PROVIDER_NAME,
		api: "openai-codex-responses",
		apiKey: MANAGED_API_KEY,
		streamSimple: (model, context, options) => runtime().dispatcher.stream(model, context, options),
		oauth: ownedOAuth(() => runtime()),
	});

	for (const command of COMMANDS) {
		pi.registerCommand(command.name, {
			description: command.description,
			...(command.complete
				? {
						getArgumentCompletions: (prefix: string) => {
							const items = command.complete?.(prefix, { runtime: runtime() }) ?? [];
							return items.length > 0 ? items.map((value) => ({ value, label: value })) : null;
						},
					}
				: {}),
			handler: async (args, ctx) => {
				try {
					const rt = runtime();
					attachWatch(ctx, rt);
					await command.run(args.trim(), commandEnv(ctx, rt));
					attachWatch(ctx, rt);
				} catch (error) {
					// One line, never a stack trace, never a token.
					commandUI(ctx).notify(`/${command.name}: ${safeOneLine(describeError(error))}`, "error");
				}
			},
		});
	}

	pi.on("session_start", async (_event, ctx) => {
		try {
			const rt = runtime();
			await onSessionStart(commandEnv(ctx, rt));
			attachWatch(ctx, rt);
		} catch (error) {
			commandUI(ctx).notify(`pi-dispatch: ${safeOneLine(describeError(error))}`, "error");
		}
	});

	pi.on("session_shutdown", async (event, ctx) => {
		watch?.stop();
		watch = undefined;
		// pi-ai keeps a WebSocket per session and account for 5 minutes behind a ref'd idle timer;
		// close the ones this session's requests opened, whether or not this pi does it itself.
		piAi.cleanupSessionResources(ctx.sessionManager.getSessionId());
		// /new, /resume and /fork keep the process and its supervisor; quitting or reloading code does not.
		if (event.reason === "quit" || event.reason === "reload") await stopRuntime();
	});
}

/**
 * pi-dispatch owns the `openai-codex` login. pi resolves a stored OAuth login before it calls the
 * provider and refreshes it when it looks expired; with this block that "refresh" hands the stored
 * login back untouched (pi never spends a refresh token the pool may hold, and an expired login
 * pi kept can never fail a request), and the key pi passes on is the managed one: the dispatcher
 * puts the chosen account's token on each request. pi's /login adds the account to the pool.
 */
function ownedOAuth(runtime: () => DispatchRuntime): NonNullable<ProviderConfig["oauth"]> {
	return {
		name: PI_LOGIN_NAME,
		isSubscription: true,
		login: (callbacks) => loginFromPi(runtime(), piLoginIO(callbacks), (message) => callbacks.onProgress?.(message)),
		refreshToken: async (credentials) => credentials,
		getApiKey: () => MANAGED_API_KEY,
	};
}

/** pi's login dialog as the pool's login IO: pi shows (and opens) the URL and takes a pasted code. */
function piLoginIO(callbacks: OAuthLoginCallbacks): LoginIO {
	return {
		showUrl: (url) =>
			callbacks.onAuth({ url, instructions: "Log in with the ChatGPT account to add to the pi-dispatch pool." }),
		promptManualCode: (message, signal) => {
			const asked = callbacks.onManualCodeInput
				? callbacks.onManualCodeInput()
				: callbacks.onPrompt({ message, placeholder: "redirect URL or code" });
			// pi's prompt cannot be closed from here: stop waiting once the browser's redirect decided.
			return Promise.race([
				asked,
				new Promise<string>((_, reject) =>
					signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
				),
			]);
		},
		...(callbacks.signal ? { signal: callbacks.signal } : {}),
	};
}

function commandUI(ctx: ExtensionContext): CommandUI {
	const mode = ctx.mode;
	const plain = mode === "print" || mode === "json";
	return {
		mode,
		hasDialogs: ctx.hasUI,
		notify(message, level = "info") {
			if (plain) process.stderr.write(`${message}\n`);
			else ctx.ui.notify(message, level);
		},
		select: (title, options) => ctx.ui.select(title, options),
		confirm: (title, message) => ctx.ui.confirm(title, message),
		input: (title, placeholder, opts) =>
			ctx.ui.input(title, placeholder, opts?.signal ? { signal: opts.signal } : {}),
		show(key, lines) {
			if (mode === "tui") return ctx.ui.setWidget(key, lines);
			if (!lines) return;
			if (mode === "print") writeStdout(`${lines.join("\n")}\n`);
			else if (mode === "json") process.stderr.write(`${lines.join("\n")}\n`);
			else ctx.ui.notify(lines.join("\n"), "info");
		},
		setStatus: (text) => ctx.ui.setStatus("pi-dispatch", text),
	};
}

/**
 * pi's print mode points process.stdout at stderr so that only the answer lands on stdout; a
 * command's table is that answer, so it goes to file descriptor 1 directly.
 */
function writeStdout(text: string): void {
	const bytes = Buffer.from(text);
	let offset = 0;
	while (offset < bytes.length) {
		try {
			offset += writeSync(1, bytes, offset);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // a full pipe: let the reader catch up
		}
	}
}
