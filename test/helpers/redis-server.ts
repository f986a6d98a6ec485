/**
 * A real `redis-server` for one test file: a free port on 127.0.0.1, its own temp dir, stopped
 * after. `restart()` stops it (SIGTERM: a clean shutdown that writes its append-only file) or
 * kills it (SIGKILL) and starts it again on the same port and dir.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CANDIDATES = [process.env.REDIS_SERVER_BIN, "/usr/bin/redis-server", "/usr/local/bin/redis-server"];

/** The redis-server binary, or undefined (tests then skip with this reason). */
export function findRedisServer(): string | undefined {
	for (const candidate of CANDIDATES) if (candidate && existsSync(candidate)) return candidate;
	const which = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
	const found = which.stdout.trim();
	return which.status === 0 && found ? found : undefined;
}

export const REDIS_SKIP_REASON = "redis-server not found (install the Debian package redis-server; .ci/run does)";

export interface RedisServerOptions {
	/** Append-only file on (every write fsynced once a second by default, `always` here). Default on. */
	appendonly?: boolean;
	/** `requirepass`: clients must authenticate. */
	password?: string;
}

export class RedisServer {
	readonly port: number;
	readonly dir: string;
	readonly #bin: string;
	readonly #options: RedisServerOptions;
	#proc: ChildProcess | undefined;

	private constructor(bin: string, port: number, dir: string, options: RedisServerOptions) {
		this.#bin = bin;
		this.port = port;
		this.dir = dir;
		this.#options = options;
	}

	static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
		const bin = findRedisServer();
		if (!bin) throw new Error(REDIS_SKIP_REASON);
		const dir = await mkdtemp(join(tmpdir(), "pi-dispatch-redis-"));
		const server = new RedisServer(bin, await freePort(), dir, options);
		await server.#spawn();
		return server;
	}

	get url(): string {
		return `redis://127.0.0.1:${this.port}`;
	}

	get pid(): number | undefined {
		return this.#proc?.pid;
	}

	async #spawn(): Promise<void> {
		const aof = this.#options.appendonly !== false;
		const args = [
			"--port",
			String(this.port),
			"--bind",
			"127.0.0.1",
			"--dir",
			this.dir,
			"--save",
			"",
			"--appendonly",
			aof ? "yes" : "no",
			"--appendfsync",
			"always",
			"--daemonize",
			"no",
			"--logfile",
			"",
			...(this.#options.password ? ["--requirepass", this.#options.password] : []),
		];
		const proc = spawn(this.#bin, args, { stdio: ["ignore", "pipe", "pipe"] });
		this.#proc = proc;
		let log = "";
		await new Promise<void>((resolve, reject) => {
			const onData = (chunk: Buffer) => {
				log += chunk.toString();
				if (log.includes("Ready to accept connections")) {
					proc.stdout?.off("data", onData);
					resolve();
				}
			};
			proc.stdout?.on("data", onData);
			proc.once("exit", (code) => reject(new Error(`redis-server exited (${code}) at start: ${log.slice(-1000)}`)));
		});
		// Keep draining its output so it never blocks on a full pipe.
		proc.stdout?.resume();
		proc.stderr?.resume();
	}

	/** Stops it; `kill` = SIGKILL (nothing flushed beyond what appendfsync already wrote). */
	async stop(kill = false): Promise<void> {
		const proc = this.#proc;
		if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
		const exited = new Promise((resolve) => proc.once("exit", resolve));
		proc.kill(kill ? "SIGKILL" : "SIGTERM");
		await exited;
		this.#proc = undefined;
	}

	/** Stops and starts again on the same port and dir; `downMs` = how long it stays down. */
	async restart(options: { kill?: boolean; downMs?: number } = {}): Promise<void> {
		await this.stop(options.kill);
		if (options.downMs) await new Promise((resolve) => setTimeout(resolve, options.downMs));
		await this.#spawn();
	}

	async dispose(): Promise<void> {
		await this.stop(true);
		await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
	}
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}
