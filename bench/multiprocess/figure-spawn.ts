/**
 * The parent's side of the store figures' children (store-child.ts, redis-child.ts): spawns one,
 * keeps its JSON-line messages, waits for one of a type, and sends the start line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface FigureChild {
	proc: ChildProcess;
	/** The first message of `type` (already received or future); rejects if the child exits first. */
	next(type: string): Promise<Record<string, unknown>>;
	all(type: string): Record<string, unknown>[];
	/** Sends the line that starts the child's work. */
	go(): void;
	exited: Promise<unknown>;
}

/** `label` names the child in the error when it exits before a message; `env` defaults to this process's. */
export function spawnFigureChild(script: string, args: string[], label: string, env?: NodeJS.ProcessEnv): FigureChild {
	const proc = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", script, ...args], {
		...(env ? { env } : {}),
		stdio: ["pipe", "pipe", "inherit"],
	});
	const messages: Record<string, unknown>[] = [];
	const waiters: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];
	createInterface({ input: proc.stdout! }).on("line", (line) => {
		const message = JSON.parse(line) as Record<string, unknown>;
		messages.push(message);
		for (const w of waiters.filter((w) => w.type === message.type)) {
			waiters.splice(waiters.indexOf(w), 1);
			w.resolve(message);
		}
	});
	const exited = new Promise((resolve) => proc.on("exit", resolve));
	return {
		proc,
		exited,
		all: (type) => messages.filter((m) => m.type === type),
		next: (type) =>
			new Promise((resolve, reject) => {
				const seen = messages.find((m) => m.type === type);
				if (seen) return resolve(seen);
				waiters.push({ type, resolve });
				void exited.then((code) => reject(new Error(`${label} exited (${code}) before "${type}"`)));
			}),
		go: () => proc.stdin!.write("go\n"),
	};
}
