/** Spawns the bench children (child.ts) and talks to them in JSON lines (protocol.ts). */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildDone, ChildReady, ChildToParent, ParentToChild } from "./protocol.ts";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));
const LOCK_PROBE = fileURLToPath(new URL("./lock-probe.ts", import.meta.url));

export class BenchChild {
	readonly index: number;
	readonly process: ChildProcess;
	#waiters: { type: ChildToParent["type"]; resolve(m: ChildToParent): void; reject(e: Error): void }[] = [];
	#seen: ChildToParent[] = [];
	#stderr = "";

	constructor(index: number, env: Record<string, string>) {
		this.index = index;
		// --import reaches the actor threads too: workers inherit the process's execArgv.
		this.process = spawn(process.execPath, ["--import", LOCK_PROBE, CHILD], {
			env: { ...process.env, ...env, BENCH_CHILD_INDEX: String(index) },
			stdio: ["pipe", "pipe", "pipe"],
		});
		let buffer = "";
		this.process.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
			buffer += chunk;
			for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n")) {
				const line = buffer.slice(0, newline).trim();
				buffer = buffer.slice(newline + 1);
				if (line) this.#receive(JSON.parse(line) as ChildToParent);
			}
		});
		this.process.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
			this.#stderr = (this.#stderr + chunk).slice(-4000);
		});
		this.process.once("exit", (code, signal) => {
			const error = new Error(`child ${index} exited (${code ?? signal}): ${this.#stderr.trim().slice(-2000)}`);
			for (const waiter of this.#waiters) waiter.reject(error);
			this.#waiters = [];
		});
	}

	send(message: ParentToChild): void {
		this.process.stdin!.write(`${JSON.stringify(message)}\n`);
	}

	ready(): Promise<ChildReady> {
		return this.#next("ready") as Promise<ChildReady>;
	}

	done(): Promise<ChildDone> {
		return this.#next("done") as Promise<ChildDone>;
	}

	async stop(): Promise<void> {
		if (this.process.exitCode !== null || this.process.signalCode !== null) return;
		const exited = new Promise((resolve) => this.process.once("exit", resolve));
		this.send({ cmd: "stop" });
		const timer = setTimeout(() => this.kill(), 10_000);
		await exited;
		clearTimeout(timer);
	}

	/** This child only, by its own pid. */
	kill(): void {
		if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill("SIGKILL");
	}

	#next(type: ChildToParent["type"]): Promise<ChildToParent> {
		const seen = this.#seen.find((m) => m.type === type);
		if (seen) return Promise.resolve(seen);
		if (this.process.exitCode !== null) return Promise.reject(new Error(`child ${this.index} already exited`));
		return new Promise((resolve, reject) => this.#waiters.push({ type, resolve, reject }));
	}

	#receive(message: ChildToParent): void {
		this.#seen.push(message);
		this.#waiters = this.#waiters.filter((waiter) => {
			if (waiter.type !== message.type) return true;
			waiter.resolve(message);
			return false;
		});
	}
}
