/** The built `pi-dispatch` shell command as a real child process, on a PiWorld's pool. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import { vi } from "vitest";
import { type PiWorld, REPO } from "./pi-world.ts";

/** The `bin` entry of package.json, as `npm run build` (the suite's global setup) makes it. */
export const SHELL_BIN = join(REPO, "dist/src/cli/bin.js");

export interface ShellResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs `pi-dispatch <args>` to its end, stdin closed (or `input` written, then closed). */
export function runShell(world: PiWorld, args: readonly string[], input?: string): Promise<ShellResult> {
	const child = startShell(world, args);
	if (input !== undefined) child.stdin.write(input);
	child.stdin.end();
	return finished(child);
}

/** Starts `pi-dispatch <args>` with stdin open (a login that waits for a paste). */
export function startShell(
	world: PiWorld,
	args: readonly string[],
): ChildProcessWithoutNullStreams & { output(): ShellResult } {
	const child = spawn(process.execPath, [SHELL_BIN, ...args], { env: world.env, cwd: world.root });
	let stdout = "";
	let stderr = "";
	child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
	child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
	return Object.assign(child, { output: () => ({ code: child.exitCode, stdout, stderr }) });
}

export function finished(
	child: ChildProcessWithoutNullStreams & { output(): ShellResult },
	timeoutMs = 30_000,
): Promise<ShellResult> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill("SIGKILL");
			reject(new Error(`pi-dispatch did not exit within ${timeoutMs} ms: ${JSON.stringify(child.output())}`));
		}, timeoutMs);
		child.on("close", (code) => {
			clearTimeout(timer);
			resolve({ ...child.output(), code });
		});
	});
}

/** Waits until the running command printed something matching `pattern` (stdout or stderr). */
export function waitForOutput(child: { output(): ShellResult }, pattern: RegExp): Promise<string> {
	return vi.waitFor(
		() => {
			const { stdout, stderr } = child.output();
			const match = pattern.exec(`${stdout}\n${stderr}`);
			if (!match) throw new Error(`no ${pattern} yet: ${stderr.slice(-300)}`);
			return match[0];
		},
		{ timeout: 20_000, interval: 20 },
	);
}
