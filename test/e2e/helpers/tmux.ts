/** Interactive pi inside a private tmux server, read back with capture-pane. */
import { execFile, spawnSync } from "node:child_process";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { pidAlive } from "../../helpers/pid-alive.ts";
import { type PiWorld, piArgs } from "./pi-world.ts";

const run = promisify(execFile);

export const HAS_TMUX = spawnSync("tmux", ["-V"], { stdio: "ignore" }).status === 0;

export class TmuxPi {
	readonly #socket: string;
	readonly #env: NodeJS.ProcessEnv;
	/** pi's pid: the pane's shell execs pi, so the pane's pid is pi's. */
	#piPid: number | undefined;

	private constructor(socket: string, env: NodeJS.ProcessEnv) {
		this.#socket = socket;
		this.#env = env;
	}

	/** Starts pi in a detached session of its own tmux server (own socket: never the user's tmux). */
	static async start(world: PiWorld, size = { width: 180, height: 40 }): Promise<TmuxPi> {
		const socket = `pi-dispatch-e2e-${process.pid}-${Date.now()}`;
		// A script, so pi gets exactly the world's environment whatever tmux's own holds.
		const script = join(world.root, "run-pi.sh");
		const exports = Object.entries(world.env)
			.filter(([key, value]) => value !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
			.map(([key, value]) => `export ${key}=${shellQuote(String(value))}`);
		const command = [process.execPath, ...piArgs([])].map(shellQuote).join(" ");
		await writeFile(script, `#!/bin/sh\n${exports.join("\n")}\ncd ${shellQuote(world.root)}\nexec ${command}\n`);
		await chmod(script, 0o700);
		const tmux = new TmuxPi(socket, world.env);
		await tmux.#tmux("new-session", "-d", "-s", "pi", "-x", String(size.width), "-y", String(size.height), script);
		const pid = Number((await tmux.#tmux("display-message", "-p", "-t", "pi", "#{pane_pid}")).stdout.trim());
		tmux.#piPid = Number.isInteger(pid) && pid > 0 ? pid : undefined;
		return tmux;
	}

	/** Types text literally (no key names), then presses Enter as its own key. */
	async type(text: string): Promise<void> {
		await this.#tmux("send-keys", "-t", "pi", "-l", text);
		await this.#tmux("send-keys", "-t", "pi", "Enter");
	}

	async screen(): Promise<string> {
		return (await this.#tmux("capture-pane", "-p", "-t", "pi")).stdout;
	}

	/**
	 * Ends the tmux server, then waits for pi itself to exit. pi takes ~2 s to exit on SIGHUP (pi
	 * alone does too) and writes in its folders on the way, so deleting the world's folder before
	 * then races it (ENOTEMPTY in CI). SIGKILL after 10 s: a pi hung on exit cannot hang the suite.
	 */
	async stop(): Promise<void> {
		await this.#tmux("kill-server").catch(() => undefined);
		const pid = this.#piPid;
		if (pid === undefined) return;
		const deadline = Date.now() + 10_000;
		while (pidAlive(pid)) {
			if (Date.now() > deadline) {
				process.kill(pid, "SIGKILL");
				break;
			}
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	}

	#tmux(...args: string[]) {
		return run("tmux", ["-L", this.#socket, ...args], { env: this.#env });
	}
}

function shellQuote(value: string): string {
	return `'${value.replaceAll("'", `'\\''`)}'`;
}
