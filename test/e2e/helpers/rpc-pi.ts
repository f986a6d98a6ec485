/**
 * The real `pi --mode rpc` as a child process: JSONL commands on stdin, events on stdout (split on
 * LF only, as pi's docs say). Tests wait for events with a deadline, never with fixed sleeps.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { vi } from "vitest";
import { type PiWorld, piArgs } from "./pi-world.ts";

export type RpcEvent = Record<string, any> & { type: string };

export interface UiRequest extends RpcEvent {
	type: "extension_ui_request";
	id: string;
	method: string;
}

export class RpcPi {
	readonly events: RpcEvent[] = [];
	readonly #child: ChildProcessWithoutNullStreams;
	#buffer = "";
	#stderr = "";
	#nextId = 1;
	readonly #exited: Promise<number | null>;

	constructor(world: PiWorld) {
		this.#child = spawn(process.execPath, piArgs(["--mode", "rpc"]), { env: world.env, cwd: world.root });
		this.#child.stdout.setEncoding("utf8").on("data", (chunk: string) => this.#read(chunk));
		this.#child.stderr.setEncoding("utf8").on("data", (chunk: string) => (this.#stderr += chunk));
		this.#exited = new Promise((resolve) => this.#child.on("close", (code) => resolve(code)));
	}

	get stderr(): string {
		return this.#stderr;
	}

	/** Everything pi printed, for "no token anywhere" checks. */
	transcript(): string {
		return `${this.events.map((e) => JSON.stringify(e)).join("\n")}\n${this.#stderr}`;
	}

	send(command: Record<string, unknown>): void {
		this.#child.stdin.write(`${JSON.stringify(command)}\n`);
	}

	/** Sends a prompt (or a /command); resolves with pi's response to it. Commands have run by then. */
	async prompt(message: string, timeoutMs = 15_000): Promise<RpcEvent> {
		const id = `p${this.#nextId++}`;
		const from = this.events.length;
		this.send({ id, type: "prompt", message });
		return this.waitFor((e) => e.type === "response" && e.id === id, { from, timeoutMs });
	}

	/** A prompt to the model: resolves once the agent settled. */
	async ask(message: string, timeoutMs = 15_000): Promise<RpcEvent[]> {
		const from = this.events.length;
		await this.prompt(message, timeoutMs);
		await this.waitFor((e) => e.type === "agent_settled", { from, timeoutMs });
		return this.events.slice(from);
	}

	/** Answers a dialog request (select/input: value; confirm: confirmed). */
	answer(request: UiRequest, answer: { value: string } | { confirmed: boolean } | { cancelled: true }): void {
		this.send({ type: "extension_ui_response", id: request.id, ...answer });
	}

	/** The first event from index `from` on that matches, waiting up to `timeoutMs`. */
	async waitFor(
		match: (event: RpcEvent) => boolean,
		opts: { from?: number; timeoutMs?: number } = {},
	): Promise<RpcEvent> {
		const from = opts.from ?? 0;
		return vi.waitFor(
			() => {
				const found = this.events.slice(from).find(match);
				if (!found) throw new Error(`no matching pi event yet; stderr: ${this.#stderr.slice(-500)}`);
				return found;
			},
			{ timeout: opts.timeoutMs ?? 15_000, interval: 20 },
		);
	}

	uiRequests(method: string, from = 0): UiRequest[] {
		return this.events
			.slice(from)
			.filter((e): e is UiRequest => e.type === "extension_ui_request" && e.method === method);
	}

	notifications(from = 0): { message: string; level: string }[] {
		return this.uiRequests("notify", from).map((e) => ({ message: e.message, level: e.notifyType ?? "info" }));
	}

	/** Closes stdin (pi exits 0) and waits; kills pi if it hangs. */
	async close(timeoutMs = 10_000): Promise<number | null> {
		this.#child.stdin.end();
		const timer = setTimeout(() => this.#child.kill("SIGKILL"), timeoutMs);
		try {
			return await this.#exited;
		} finally {
			clearTimeout(timer);
		}
	}

	#read(chunk: string): void {
		this.#buffer += chunk;
		let newline = this.#buffer.indexOf("\n");
		while (newline >= 0) {
			const line = this.#buffer.slice(0, newline).replace(/\r$/, "");
			this.#buffer = this.#buffer.slice(newline + 1);
			if (line.trim()) {
				try {
					this.events.push(JSON.parse(line) as RpcEvent);
				} catch {
					this.events.push({ type: "unparsed", line });
				}
			}
			newline = this.#buffer.indexOf("\n");
		}
	}
}
