/**
 * Drives the slash commands without pi: a CommandUI that records everything and answers dialogs
 * from a script, and a CommandEnv around a dispatch harness (real store, supervisor, fake backend).
 */
import type { CommandEnv, CommandUI, UiMode } from "../../src/commands/command-env.ts";
import type { DispatchRuntime } from "../../src/runtime.ts";

export interface Note {
	message: string;
	level: "info" | "warning" | "error";
}

export interface Dialog {
	kind: "select" | "confirm" | "input";
	title: string;
	detail?: string;
	options?: string[];
}

/** Scripted answers; a function gets the dialog and may wait (e.g. for a signal). */
export interface Answers {
	select?: (title: string, options: string[]) => string | undefined | Promise<string | undefined>;
	confirm?: (title: string, message: string) => boolean | Promise<boolean>;
	input?: (title: string, signal: AbortSignal | undefined) => string | undefined | Promise<string | undefined>;
}

export interface RecordingUI extends CommandUI {
	notes: Note[];
	dialogs: Dialog[];
	/** Every `show` call in order; `undefined` lines = cleared. */
	shown: { key: string; lines: string[] | undefined }[];
	statuses: (string | undefined)[];
	answers: Answers;
	/** All text the user could have seen, for "no token anywhere" checks. */
	allText(): string;
}

export function recordingUI(mode: UiMode = "rpc", answers: Answers = {}): RecordingUI {
	const ui: RecordingUI = {
		mode,
		hasDialogs: mode === "tui" || mode === "rpc",
		notes: [],
		dialogs: [],
		shown: [],
		statuses: [],
		answers,
		notify(message, level = "info") {
			ui.notes.push({ message, level });
		},
		async select(title, options) {
			ui.dialogs.push({ kind: "select", title, options });
			return ui.answers.select ? ui.answers.select(title, options) : undefined;
		},
		async confirm(title, message) {
			ui.dialogs.push({ kind: "confirm", title, detail: message });
			return ui.answers.confirm ? ui.answers.confirm(title, message) : false;
		},
		async input(title, _placeholder, opts) {
			ui.dialogs.push({ kind: "input", title });
			return ui.answers.input ? ui.answers.input(title, opts?.signal) : undefined;
		},
		show(key, lines) {
			ui.shown.push({ key, lines });
		},
		setStatus(text) {
			ui.statuses.push(text);
		},
		allText() {
			return [
				...ui.notes.map((n) => n.message),
				...ui.dialogs.map((d) => `${d.title} ${d.detail ?? ""} ${(d.options ?? []).join(" ")}`),
				...ui.shown.flatMap((s) => s.lines ?? []),
				...ui.statuses.map((s) => s ?? ""),
			].join("\n");
		},
	};
	return ui;
}

export function commandEnv(runtime: DispatchRuntime, ui: CommandUI, extra: Partial<CommandEnv> = {}): CommandEnv {
	return {
		runtime,
		ui,
		sessionKey: "session-1",
		piAgentDir: "/nonexistent/pi-agent",
		codexHome: "/nonexistent/codex",
		...extra,
	};
}

/** An input answer that never comes: resolves undefined when the login closes the dialog. */
export function unansweredInput(_title: string, signal: AbortSignal | undefined): Promise<string | undefined> {
	return new Promise((resolve) => signal?.addEventListener("abort", () => resolve(undefined), { once: true }));
}
