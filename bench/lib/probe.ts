/** Runs probes/actor-probe.ts in a fresh child process and returns what it measured. */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ProbeJob, ProbeResult } from "./probe-protocol.ts";

const PROBE = fileURLToPath(new URL("../probes/actor-probe.ts", import.meta.url));

export function runActorProbe(job: ProbeJob): Promise<ProbeResult> {
	return new Promise((resolve, reject) => {
		const env = { ...process.env };
		// Without the override the core picks workers/account-actor.ts, run with type stripping.
		if (job.worker === "source") delete env.PI_DISPATCH_ACTOR_WORKER;
		const child = fork(PROBE, [], {
			env,
			execArgv: ["--expose-gc", "--disable-warning=ExperimentalWarning"],
			stdio: ["ignore", "inherit", "inherit", "ipc"],
		});
		child.once("message", (message: ProbeResult | { error: string }) => {
			if ("error" in message) reject(new Error(`actor probe: ${message.error}`));
			else resolve(message);
		});
		child.once("error", reject);
		child.once("exit", (code) => {
			if (code !== 0) reject(new Error(`actor probe exited with ${code}`));
		});
		child.send(job);
	});
}
