/**
 * The only module that touches pi at run time: the provider override, the commands, the
 * lifecycle hooks and the footer. A newer pi should change this file and nothing else.
 */
import { writeSync } from "node:fs";
import { createAssistantMessageEventStream, streamSimpleOpenAICodexResponses } from "@earendil-works/pi-ai/compat";
import type { ExtensionAPI, ExtensionContext } from "@earendil-works/pi-coding-agent";
import type { CommandEnv, CommandUI } from "../commands/command-env.ts";
import { COMMANDS } from "../commands/index.ts";
import { onSessionStart } from "../commands/session-hooks.ts";
import { SessionWatch } from "../commands/session-watch.ts";
import { safeOneLine } from "../commands/text-format.ts";
import { piAgentDir } from "../config.ts";
import { describeError } from "../errors.ts";
import { type DispatchRuntime, getRuntime, stopRuntime } from "../runtime.ts";

/** pi needs an API key to consider the provider configured; the real tokens come from the pool. */
export const MANAGED_API_KEY = "pi-dispatch-managed";

const codexClient = {
	streamSimple: streamSimpleOpenAICodexResponses,
	createStream: createAssistantMessageEventStream,
};

export function installDispatch(pi: ExtensionAPI): void {
	const runtime = () => getRuntime(codexClient);
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

	pi.on("session_shutdown", async (event) => {
		watch?.stop();
		watch = undefined;
		// /new, /resume and /fork keep the process and its supervisor; quitting or reloading code does not.
		if (event.reason === "quit" || event.reason === "reload") await stopRuntime();
	});
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
