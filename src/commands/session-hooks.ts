import type { CommandEnv } from "./command-env.ts";

/** On every session start: make sure the supervisor runs (idempotent), and say so if it cannot. */
export async function onSessionStart(env: CommandEnv): Promise<void> {
	await env.runtime.supervisor();
}
