/**
 * Many pi processes at once: N real pi processes in RPC mode sharing one store of M accounts, all
 * started together, each sending one prompt; once every one has answered and sat idle for a while,
 * their threads and RSS are read from /proc and the fake's request log gives the `wham/usage` calls
 * per account. A pi alone in RPC mode, measured the same way, is the thread baseline.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import type { FakeCodex } from "../../test/fake-codex/index.ts";
import { sleep } from "../lib/wait.ts";
import { PI_CLI, type PiArm, PROMPT, statusField } from "./pi-env.ts";

export interface ProcessSample {
	threads: number;
	rssMB: number;
	peakRssMB: number;
	/** Spawn → `agent_end` of the prompt. */
	answeredMs: number;
}

export interface FleetResult {
	processes: number;
	accounts: number;
	/** Idle time after the last answer, before /proc was read. */
	steadyMs: number;
	baseline: ProcessSample;
	samples: ProcessSample[];
	/** Threads beyond the baseline pi's, summed over the processes. */
	workerThreads: number;
	workerThreadsMaxPerProcess: number;
	totalRssMB: number;
	/** From the first spawn to the /proc read: shorter than one usage poll interval. */
	windowMs: number;
	usagePollMs: number;
	/** `wham/usage` calls per account within the window, max and median over the accounts. */
	usageCallsPerAccount: { max: number; median: number; total: number };
	/** Processes still running 10 s after their stdin closed (pi's orderly shutdown), then killed. */
	killedOnShutdown: number;
	errors: string[];
}

const ANSWER_TIMEOUT_MS = 120_000;

/** Starts pi in RPC mode and sends the prompt; resolves once the prompt's `agent_end` arrived. */
function startRpcPi(arm: PiArm): { child: ChildProcessWithoutNullStreams; answered: Promise<number> } {
	const started = performance.now();
	const child = spawn(process.execPath, [PI_CLI, ...arm.args, "--mode", "rpc"], { env: arm.env, cwd: arm.cwd });
	let buffer = "";
	let stderr = "";
	child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
	const answered = new Promise<number>((resolve, reject) => {
		child.stdout.setEncoding("utf8").on("data", (d: string) => {
			buffer += d;
			for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
				const line = buffer.slice(0, nl);
				buffer = buffer.slice(nl + 1);
				if (line.includes('"type":"agent_end"')) resolve(performance.now() - started);
			}
		});
		child.on("exit", (code) => reject(new Error(`pi exited (${code}) before answering: ${stderr.slice(-300)}`)));
		child.on("error", reject);
		// No `agent_end` in time (a hung start, or a pi whose RPC events differ): an error, not a hang.
		setTimeout(
			() => reject(new Error(`no agent_end within ${ANSWER_TIMEOUT_MS / 1000} s`)),
			ANSWER_TIMEOUT_MS,
		).unref();
	});
	child.stdin.write(`${JSON.stringify({ id: "p1", type: "prompt", message: PROMPT })}\n`);
	return { child, answered };
}

function sampleProcess(child: ChildProcessWithoutNullStreams, answeredMs: number): ProcessSample {
	return {
		threads: statusField(child.pid, "Threads") ?? Number.NaN,
		rssMB: (statusField(child.pid, "VmRSS") ?? Number.NaN) / 1024,
		peakRssMB: (statusField(child.pid, "VmHWM") ?? Number.NaN) / 1024,
		answeredMs,
	};
}

/** Closes stdin (pi's orderly shutdown), then kills what did not exit in time; returns how many. */
async function stopAll(children: ChildProcessWithoutNullStreams[]): Promise<number> {
	let killed = 0;
	await Promise.all(
		children.map(
			(child) =>
				new Promise<void>((resolve) => {
					if (child.exitCode !== null || child.signalCode !== null) return resolve();
					const timer = setTimeout(() => {
						killed++;
						child.kill("SIGKILL");
					}, 10_000);
					child.once("exit", () => {
						clearTimeout(timer);
						resolve();
					});
					child.stdin.end();
				}),
		),
	);
	return killed;
}

async function measureOne(arm: PiArm, steadyMs: number): Promise<ProcessSample> {
	const pi = startRpcPi(arm);
	try {
		const answeredMs = await pi.answered;
		await sleep(steadyMs);
		return sampleProcess(pi.child, answeredMs);
	} finally {
		await stopAll([pi.child]);
	}
}

export async function runFleet(
	fake: FakeCodex,
	options: { alone: PiArm; dispatch: PiArm; processes: number; steadyMs: number; usagePollMs: number },
): Promise<FleetResult> {
	const baseline = await measureOne(options.alone, options.steadyMs);
	const errors: string[] = [];
	fake.requests.length = 0;
	const t0 = performance.now();
	const pis = Array.from({ length: options.processes }, () => startRpcPi(options.dispatch));
	let samples: ProcessSample[] = [];
	let windowMs = 0;
	let killedOnShutdown = 0;
	try {
		const answered = await Promise.all(
			pis.map((pi) =>
				pi.answered.catch((error: unknown) => {
					errors.push(String(error));
					return Number.NaN;
				}),
			),
		);
		await sleep(options.steadyMs);
		samples = pis.map((pi, i) => sampleProcess(pi.child, answered[i]!));
		windowMs = performance.now() - t0;
	} finally {
		killedOnShutdown = await stopAll(pis.map((pi) => pi.child));
	}
	const calls = new Map<string, number>();
	for (const entry of fake.requests) {
		if (entry.route === "usage" && entry.accountId) calls.set(entry.accountId, (calls.get(entry.accountId) ?? 0) + 1);
	}
	const perAccount = options.dispatch.accountIds.map((id) => calls.get(id) ?? 0).sort((a, b) => a - b);
	const extra = samples.map((s) => s.threads - baseline.threads);
	return {
		processes: options.processes,
		accounts: options.dispatch.accounts,
		steadyMs: options.steadyMs,
		baseline,
		samples,
		workerThreads: extra.reduce((a, b) => a + b, 0),
		workerThreadsMaxPerProcess: Math.max(...extra),
		totalRssMB: samples.reduce((a, s) => a + s.rssMB, 0),
		windowMs,
		usagePollMs: options.usagePollMs,
		usageCallsPerAccount: {
			max: perAccount.at(-1) ?? 0,
			median: perAccount[Math.floor((perAccount.length - 1) / 2)] ?? 0,
			total: perAccount.reduce((a, b) => a + b, 0),
		},
		killedOnShutdown,
		errors,
	};
}
