/**
 * Where pi-dispatch keeps its state and which endpoints it talks to. The three `PI_DISPATCH_*`
 * variables are test hooks (see README "Testing"): they point everything at a local fake backend.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { type AuthEndpoints, defaultAuthEndpoints } from "./auth/auth-endpoints.ts";
import type { CreditsPolicy } from "./store/account-record.ts";

export const DEFAULT_CODEX_BASE_URL = "https://chatgpt.com/backend-api";

export interface DispatchConfig {
	home: string;
	codexBaseUrl: string;
	/** Set only when the base URL was overridden; then it also replaces each model's `baseUrl`. */
	baseUrlOverride?: string;
	auth: AuthEndpoints;
	/** pi-ai's transport for Codex requests (`PI_DISPATCH_TRANSPORT`); default "sse". */
	transport?: CodexTransport;
	/** `PI_DISPATCH_CREDITS` (`never` / `last-resort`): overrides the pool's setting in this process. */
	credits?: CreditsPolicy;
	/** `PI_DISPATCH_USE=<label>` (`pi-dispatch use`): every session of this process starts pinned to it. */
	use?: string;
}

export type CodexTransport = "sse" | "websocket" | "auto";

function transportFrom(value: string | undefined): CodexTransport {
	return value === "websocket" || value === "auto" ? value : "sse";
}

/** `PI_DISPATCH_CREDITS` overrides the pool's setting for this process; unset, the pool decides. */
function creditsFrom(value: string | undefined): { credits?: CreditsPolicy } {
	const policy = value?.trim().toLowerCase();
	return policy === "never" || policy === "last-resort" ? { credits: policy } : {};
}

export function piAgentDir(env: NodeJS.ProcessEnv = process.env): string {
	return env.PI_CODING_AGENT_DIR || join(homedir(), ".pi", "agent");
}

export function resolveConfig(env: NodeJS.ProcessEnv = process.env): DispatchConfig {
	const override = env.PI_DISPATCH_CODEX_BASE_URL?.replace(/\/+$/, "");
	return {
		home: env.PI_DISPATCH_HOME || join(piAgentDir(env), "pi-dispatch"),
		codexBaseUrl: override || DEFAULT_CODEX_BASE_URL,
		...(override ? { baseUrlOverride: override } : {}),
		auth: defaultAuthEndpoints(env),
		transport: transportFrom(env.PI_DISPATCH_TRANSPORT),
		...creditsFrom(env.PI_DISPATCH_CREDITS),
		...(env.PI_DISPATCH_USE?.trim() ? { use: env.PI_DISPATCH_USE.trim() } : {}),
	};
}
