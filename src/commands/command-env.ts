/**
 * What a command needs from pi, as a small interface: the handlers stay free of pi's types, and
 * tests drive them with a recording UI. The glue (src/pi/glue.ts) adapts `ctx.ui` to this.
 */
import type { DispatchRuntime } from "../runtime.ts";

export type UiMode = "tui" | "rpc" | "json" | "print";

export interface CommandUI {
	mode: UiMode;
	/** Dialogs (select/confirm/input) work: TUI and RPC. */
	hasDialogs: boolean;
	notify(message: string, level?: "info" | "warning" | "error"): void;
	select(title: string, options: string[]): Promise<string | undefined>;
	confirm(title: string, message: string): Promise<boolean>;
	/** `signal` closes the dialog (resolving undefined) when the answer came from elsewhere. */
	input(title: string, placeholder?: string, opts?: { signal?: AbortSignal }): Promise<string | undefined>;
	/** A block of lines: a widget in the TUI, plain text in print/RPC mode; undefined clears it. */
	show(key: string, lines: string[] | undefined): void;
	/** The footer status entry of pi-dispatch. */
	setStatus(text: string | undefined): void;
}

/** The live parts of one pi session (footer, status widget); absent until the supervisor runs. */
export interface SessionView {
	/** Redraw the footer (and the status widget when shown) after a change no event reports, e.g. a pin. */
	refresh(): void;
	/** Keep the status widget up to date until hidden (TUI). */
	showStatus(): void;
	hideStatus(): void;
}

/** What commands use of the runtime: pi's (with its dispatcher) or the shell command's (without). */
export type CommandRuntime = Pick<DispatchRuntime, "config" | "supervisor" | "running">;

export interface CommandEnv {
	runtime: CommandRuntime;
	ui: CommandUI;
	/** pi's session id: the key for pins and stickiness. */
	sessionKey: string;
	/** pi's agent dir (for importing pi's own login). */
	piAgentDir: string;
	/** The Codex CLI's home (for importing its login); default `CODEX_HOME` or ~/.codex. */
	codexHome?: string;
	session?: SessionView;
}

export interface DispatchCommand {
	name: string;
	description: string;
	run(args: string, env: CommandEnv): Promise<void>;
	/** Completions for the argument (labels), from the running supervisor. */
	complete?(prefix: string, env: Pick<CommandEnv, "runtime">): string[];
}
