/**
 * The shell's CommandUI: results on stdout, notices on stderr, and dialogs as prompts answered on
 * stdin (a pasted redirect URL, y/N, a number). At the end of stdin a dialog gives up: a confirm
 * says no, a select picks nothing, and a login's paste prompt waits for the browser's redirect.
 */
import { createInterface, type Interface } from "node:readline";
import type { CommandUI } from "../commands/command-env.ts";

export class StdinLines {
	#rl: Interface | undefined;
	readonly #lines: string[] = [];
	readonly #waiting: ((line: string | undefined) => void)[] = [];
	#ended = false;

	/** The next line, or undefined at the end of stdin. */
	next(signal?: AbortSignal): Promise<string | undefined> {
		this.#open();
		const line = this.#lines.shift();
		if (line !== undefined) return Promise.resolve(line);
		if (this.#ended) return Promise.resolve(undefined);
		return new Promise((resolve) => {
			const take = (value: string | undefined) => {
				signal?.removeEventListener("abort", abort);
				resolve(value);
			};
			const abort = () => {
				const i = this.#waiting.indexOf(take);
				if (i >= 0) this.#waiting.splice(i, 1);
				resolve(undefined);
			};
			signal?.addEventListener("abort", abort, { once: true });
			this.#waiting.push(take);
		});
	}

	get ended(): boolean {
		return this.#ended;
	}

	close(): void {
		this.#rl?.close();
	}

	#open(): void {
		if (this.#rl) return;
		this.#rl = createInterface({ input: process.stdin, terminal: false });
		this.#rl.on("line", (line) => {
			const waiter = this.#waiting.shift();
			if (waiter) waiter(line);
			else this.#lines.push(line);
		});
		this.#rl.on("close", () => {
			this.#ended = true;
			for (const waiter of this.#waiting.splice(0)) waiter(undefined);
		});
	}
}

export interface CliOutput {
	out(text: string): void;
	err(text: string): void;
}

export const STDIO: CliOutput = {
	out: (text) => process.stdout.write(text),
	err: (text) => process.stderr.write(text),
};

/** The commands' texts name pi's slash commands; in the shell the same command is `pi-dispatch <name>`. */
export function shellWords(text: string): string {
	return text.replace(/\/dispatch-(\w+)/g, "pi-dispatch $1");
}

export function cliUI(stdin: StdinLines, io: CliOutput = STDIO): CommandUI {
	const ask = (prompt: string) => io.err(`${prompt} `);
	return {
		mode: "print",
		hasDialogs: true,
		notify(message, level = "info") {
			if (level === "info") io.out(`${shellWords(message)}\n`);
			else io.err(`${shellWords(message)}\n`);
		},
		async select(title, options) {
			io.err(`${title}\n${options.map((o, i) => `  ${i + 1}. ${o}`).join("\n")}\n`);
			ask("Number (empty to cancel):");
			const answer = (await stdin.next())?.trim();
			const n = Number(answer);
			return Number.isInteger(n) && n >= 1 && n <= options.length ? options[n - 1] : undefined;
		},
		async confirm(title, message) {
			io.err(`${title}\n${message}\n`);
			ask("[y/N]");
			const answer = (await stdin.next())?.trim().toLowerCase();
			return answer === "y" || answer === "yes";
		},
		async input(title, placeholder, opts) {
			ask(`${title}${placeholder ? ` (${placeholder})` : ""}:`);
			const line = await stdin.next(opts?.signal);
			const signal = opts?.signal;
			if (line !== undefined || !signal || signal.aborted) return line;
			// stdin ended (a script without input): only the browser's redirect can finish now.
			return new Promise((resolve) => signal.addEventListener("abort", () => resolve(undefined), { once: true }));
		},
		show(_key, lines) {
			if (lines) io.out(`${lines.join("\n")}\n`);
		},
		setStatus() {},
	};
}
