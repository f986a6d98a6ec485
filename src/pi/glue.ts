/**
 * The only module that touches pi at run time: the provider override, the commands, the
 * lifecycle hooks and the footer. A newer pi should change this file and nothing else.
 */
import { createAssistantMessageEventStream, streamSimpleOpenAICodexResponses } from "@earendil-works/pi-ai/compat";
import type { ExtensionAPI, ExtensionContext } from "@earendil-works/pi-coding-agent";
import type { CommandEnv, CommandUI } from "../commands/command-env.ts";
import { COMMANDS } from "../commands/index.ts";
import { onSessionStart } from "../commands/session-hooks.ts";
import { piAgentDir } from "../config.ts";
import { describeError } from "../errors.ts";
import { getRuntime, stopRuntime } from "../runtime.ts";

/** pi needs an API key to consider the provider configured; the real tokens come from the pool. */
export const MANAGED_API_KEY = "pi-dispatch-managed";

const codexClient = {
	streamSimple: streamSimpleOpenAICodexResponses,
	createStream: createAssistantMessageEventStream,
};

export function installDispatch(pi: ExtensionAPI): void {
	const runtime = () => getRuntime(codexClient);

	pi.registerProvider("openai-codex", {
		api: "openai-codex-responses",
		apiKey: MANAGED_API_KEY,
		streamSimple: (model, context, options) => runtime().dispatcher.stream(model, context, options),
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
				const env = commandEnv(ctx, runtime());
				try {
					await command.run(args.trim(), env);
				} catch (error) {
					// One line, never a stack trace.
					env.ui.notify(`/${command.name}: ${describeError(error)}`, "error");
				}
			},
		});
	}

	pi.on("session_start", async (_event, ctx) => {
		const env = commandEnv(ctx, runtime());
		await onSessionStart(env).catch((error: unknown) =>
			env.ui.notify(`pi-dispatch: ${describeError(error)}`, "error"),
		);
	});

	pi.on("session_shutdown", async (event) => {
		// /new, /resume and /fork keep the process and its supervisor; quitting or reloading code does not.
		if (event.reason === "quit" || event.reason === "reload") await stopRuntime();
	});
}

function commandEnv(ctx: ExtensionContext, runtime: ReturnType<typeof getRuntime>): CommandEnv {
	return {
		runtime,
		ui: commandUI(ctx),
		sessionKey: ctx.sessionManager.getSessionId(),
		piAgentDir: piAgentDir(),
	};
}

function commandUI(ctx: ExtensionContext): CommandUI {
	const mode = ctx.mode;
	const plain = mode === "print" || mode === "json";
	return {
		mode,
		hasDialogs: ctx.hasUI,
		notify(message, level = "info") {
			if (!plain) return ctx.ui.notify(message, level);
			(level === "error" ? process.stderr : process.stdout).write(`${message}\n`);
		},
		select: (title, options) => ctx.ui.select(title, options),
		confirm: (title, message) => ctx.ui.confirm(title, message),
		input: (title, placeholder) => ctx.ui.input(title, placeholder),
		show(key, lines) {
			if (mode === "tui") return ctx.ui.setWidget(key, lines);
			if (!lines) return;
			if (plain) process.stdout.write(`${lines.join("\n")}\n`);
			else ctx.ui.notify(lines.join("\n"), "info");
		},
		setStatus: (text) => ctx.ui.setStatus("pi-dispatch", text),
	};
}
