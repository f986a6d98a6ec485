/**
 * The real `pi` against the fake Codex backend, with and without pi-dispatch: an isolated agent
 * folder per arm (pi alone: its own `openai-codex` login in auth.json and `models.json` pointing
 * the built-in provider at the fake; with pi-dispatch: a store seeded with N accounts), the pi
 * binary from node_modules, and no `--model`: pi picks its own default Codex model from its catalog,
 * the only provider with credentials here. Peak RSS from `/usr/bin/time -v` where it exists,
 * else from sampling /proc/<pid>/status VmHWM.
 */
import { type SpawnOptionsWithStdioTuple, spawn } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeCodex } from "../../test/fake-codex/index.ts";
import { offlinePiEnv } from "../../test/helpers/offline-pi-env.ts";
import { seedStore } from "../lib/rig.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PI_CLI = realpathSync(join(ROOT, "node_modules", ".bin", "pi"));
const TIME = "/usr/bin/time";
export const PEAK_RSS_SOURCE = existsSync(TIME) ? "/usr/bin/time -v" : "/proc VmHWM sampled every 20 ms";
export const PROMPT = "say hi";

export interface PiArm {
	name: string;
	/** 0: pi alone. */
	accounts: number;
	/** The fake accounts in its store. */
	accountIds: string[];
	env: NodeJS.ProcessEnv;
	args: string[];
	cwd: string;
	/** Measured beside the others for comparison (an earlier build's way); no target applies. */
	reference?: boolean;
}

/** Environment variables that would give pi a second provider (and so another default model). */
const CREDENTIAL_VARIABLE = /(_API_KEY|_TOKEN|_KEY_ID|_SECRET_ACCESS_KEY)$/;

function piEnv(fake: FakeCodex, root: string): NodeJS.ProcessEnv {
	const env = offlinePiEnv(fake, {
		home: join(root, "dispatch"),
		agentDir: join(root, "agent"),
		codexHome: join(root, "codex"),
	});
	for (const name of Object.keys(env)) if (CREDENTIAL_VARIABLE.test(name)) delete env[name];
	delete env.PI_DISPATCH_ACTOR_WORKER; // the build's own bundle, as installed
	return { ...env, PI_DISPATCH_TRANSPORT: "sse" };
}

async function agentFolders(root: string): Promise<void> {
	await mkdir(join(root, "agent"), { recursive: true });
	await mkdir(join(root, "codex"), { recursive: true });
	// One attempt per run: pi's auto-retry would add seconds to a failed sample.
	await writeFile(join(root, "agent", "settings.json"), JSON.stringify({ retry: { enabled: false } }));
}

/** pi with its own Codex login (a fake account), its built-in provider pointed at the fake. */
export async function piAloneArm(fake: FakeCodex, root: string): Promise<PiArm> {
	await agentFolders(root);
	const login = fake.addAccount({ accountId: "acct-pi-alone" });
	const auth = {
		"openai-codex": {
			type: "oauth",
			access: login.access,
			refresh: login.refresh,
			expires: login.expiresAt,
			accountId: "acct-pi-alone",
		},
	};
	await writeFile(join(root, "agent", "auth.json"), JSON.stringify(auth), { mode: 0o600 });
	await writeFile(
		join(root, "agent", "models.json"),
		JSON.stringify({ providers: { "openai-codex": { baseUrl: fake.baseUrl } } }),
	);
	return {
		name: "pi alone",
		accounts: 0,
		accountIds: [],
		env: piEnv(fake, root),
		args: ["--no-session", "-ne"],
		cwd: root,
	};
}

/** pi with pi-dispatch (`extension`: the build's bundle, or tsc's `src/index.js`) and `accounts` new fake accounts in its store. */
export async function piDispatchArm(
	fake: FakeCodex,
	root: string,
	accounts: number,
	extension: string,
	prefix = `acct-${accounts}`,
): Promise<PiArm> {
	await agentFolders(root);
	const accountIds = Array.from({ length: accounts }, (_, i) => `${prefix}-${i + 1}`);
	await seedStore(
		join(root, "dispatch"),
		accountIds.map((accountId) => ({ accountId, tokens: fake.addAccount({ accountId }) })),
	);
	return {
		name: `pi-dispatch, ${accounts} account${accounts === 1 ? "" : "s"}`,
		accounts,
		accountIds,
		env: piEnv(fake, root),
		args: ["--no-session", "-ne", "-e", extension],
		cwd: root,
	};
}

export interface PiRun {
	code: number | null;
	wallMs: number;
	/** Peak RSS of the pi process in MB, or undefined when neither source worked. */
	peakRssMB: number | undefined;
	stdout: string;
	stderr: string;
	/** pi had not exited after `timeoutMs` (answer printed or not) and was killed. */
	timedOut: boolean;
}

/**
 * `pi -p <prompt>` once; wall time from spawn to exit. Past `timeoutMs` the whole process group is
 * killed (pi runs under /usr/bin/time; killing only `time` would leave pi holding our pipes) and
 * the run says `timedOut`.
 */
export function runPiPrint(arm: PiArm, timeoutMs = 30_000): Promise<PiRun> {
	const piArgs = [PI_CLI, ...arm.args, "-p", PROMPT];
	const timed = existsSync(TIME);
	const started = performance.now();
	const options: SpawnOptionsWithStdioTuple<"ignore", "pipe", "pipe"> = {
		env: arm.env,
		cwd: arm.cwd,
		stdio: ["ignore", "pipe", "pipe"],
		detached: true, // its own process group, killed as one on timeout
	};
	const child = timed
		? spawn(TIME, ["-v", process.execPath, ...piArgs], options)
		: spawn(process.execPath, piArgs, options);
	let stdout = "";
	let stderr = "";
	child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
	child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
	let sampledHwmKb = 0;
	const sampler = timed
		? undefined
		: setInterval(() => {
				const kb = statusField(child.pid, "VmHWM");
				if (kb !== undefined) sampledHwmKb = Math.max(sampledHwmKb, kb);
			}, 20);
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
	}, timeoutMs);
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("close", (code) => {
			const wallMs = performance.now() - started;
			clearTimeout(timer);
			if (sampler) clearInterval(sampler);
			const maxKb = timed ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]) : sampledHwmKb;
			resolve({ code, wallMs, peakRssMB: maxKb > 0 ? maxKb / 1024 : undefined, stdout, stderr, timedOut });
		});
	});
}

/** A numeric field of /proc/<pid>/status (kB for memory fields), if the process still exists. */
export function statusField(pid: number | undefined, field: string): number | undefined {
	if (pid === undefined) return undefined;
	try {
		const status = readFileSync(`/proc/${pid}/status`, "utf8");
		const match = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status);
		return match ? Number(match[1]) : undefined;
	} catch {
		return undefined;
	}
}
