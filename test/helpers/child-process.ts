/** Spawns and talks to `test/fixtures/dispatch/child.ts` processes (JSON lines both ways). */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("../fixtures/dispatch/child.ts", import.meta.url));

export interface ChildMessage {
	type: string;
	[key: string]: unknown;
}

export class DispatchChild {
	readonly process: ChildProcess;
	readonly messages: ChildMessage[] = [];
	#waiters: { match: (m: ChildMessage) => boolean; resolve: (m: ChildMessage) => void }[] = [];
	#stderr = "";

	constructor(env: Record<string, string>) {
		this.process = spawn(process.execPath, [CHILD], {
			env: { ...process.env, ...env },
			stdio: ["pipe", "pipe", "pipe"],
		});
		let buffer = "";
		this.process.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
			buffer += chunk;
			let newline = buffer.indexOf("\n");
			while (newline >= 0) {
				const line = buffer.slice(0, newline);
				buffer = buffer.slice(newline + 1);
				newline = buffer.indexOf("\n");
				if (!line.trim()) continue;
				const message = JSON.parse(line) as ChildMessage;
				this.messages.push(message);
				this.#waiters = this.#waiters.filter((w) => {
					if (!w.match(message)) return true;
					w.resolve(message);
					return false;
				});
			}
		});
		this.process.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
			this.#stderr += chunk;
		});
	}

	send(message: unknown): void {
		this.process.stdin!.write(`${JSON.stringify(message)}\n`);
	}

	/** The first message (already received or future) that matches. */
	next(match: (m: ChildMessage) => boolean): Promise<ChildMessage> {
		const seen = this.messages.find(match);
		if (seen) return Promise.resolve(seen);
		return new Promise((resolve, reject) => {
			this.#waiters.push({ match, resolve });
			this.process.once("exit", (code) => reject(new Error(`child exited (${code}): ${this.#stderr.slice(-2000)}`)));
		});
	}

	async stop(): Promise<void> {
		if (this.process.exitCode !== null) return;
		const exited = new Promise((resolve) => this.process.once("exit", resolve));
		this.send({ cmd: "stop" });
		await exited;
	}
}
