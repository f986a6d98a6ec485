import type { AuthEndpoints } from "../auth/auth-endpoints.ts";
import type { ActorConfig } from "../protocol/messages.ts";
import type { StoreConfig } from "../store/store-config.ts";
import type { RestartPolicyOptions } from "./restart-policy.ts";
import type { CreditsPolicy } from "./selection-policy.ts";

export interface SupervisorOptions {
	/** The state folder (accounts.json lives here). */
	home: string;
	/** Replaces `https://chatgpt.com/backend-api` for responses and usage. */
	codexBaseUrl: string;
	auth: AuthEndpoints;
	/** Actor tunables; defaults below. */
	actor?: Partial<Omit<ActorConfig, "codexBaseUrl" | "auth" | "home" | "store">>;
	restart?: Partial<RestartPolicyOptions & { backoffMs: number; readyTimeoutMs: number }>;
	/** Streams in flight at once, over all accounts and per account (see CONCURRENCY_DEFAULTS). */
	concurrency?: { global?: number; perAccount?: number };
	/** Injectable randomness for the last tier of the selection policy. */
	random?: () => number;
	/** Whether an account past its plan quota may serve on its credits (default "last-resort"). */
	credits?: CreditsPolicy;
	/** Which store holds the pool; default: as PI_DISPATCH_REDIS_URL or `<home>/store.json` say, else the file. */
	store?: StoreConfig;
	/** Watch the store for other processes' changes (default true). */
	watchStore?: boolean;
	/** When actors activate and deactivate, and how the pool's usage polls are shared; defaults below. */
	activation?: Partial<ActivationOptions>;
}

export interface ActivationOptions {
	/** An active actor with no streams, leases or messages for this long deactivates. */
	idleMs: number;
	/** First look for stale usage this long after start (a short `pi -p` never polls). */
	pollStartDelayMs: number;
	/** Then look every this long (±25 % jitter, so processes started together spread out). */
	pollTickMs: number;
	/** How long a poll lease holds the other processes off. */
	pollLeaseMs: number;
	/** Accounts one process polls per tick at most (each poll briefly activates an actor). */
	pollsPerTick: number;
	/** An account on a cooldown has its usage re-checked at most this often (an early reset, bought credits). */
	benchRecheckMs: number;
	/** How long one process's probe of an account whose cooldown ended holds off the others. */
	probeLeaseMs: number;
}

export const ACTIVATION_DEFAULTS: ActivationOptions = {
	idleMs: 60_000,
	pollStartDelayMs: 15_000,
	pollTickMs: 60_000,
	pollLeaseMs: 60_000,
	pollsPerTick: 4,
	benchRecheckMs: 30 * 60_000,
	probeLeaseMs: 30_000,
};

export const ACTOR_DEFAULTS = {
	refreshMarginMs: 5 * 60_000,
	usageTtlMs: 3 * 60_000,
	usagePollMs: 5 * 60_000,
	fallbackCooldownMs: 15 * 60_000,
	usagePersistMs: 30_000,
	refreshRetries: 3,
	retryMinTimeoutMs: 500,
} satisfies Partial<ActorConfig>;

export const RESTART_DEFAULTS = { intensity: 5, periodMs: 60_000, backoffMs: 50, readyTimeoutMs: 10_000 };
/**
 * A guard against a runaway caller, not a throttle: pi alone sends every stream at once, and one pi
 * process has a handful (its agent, subagents). Codex documents no per-account limit on streams in
 * flight (quota is usage, and a 429 moves the request on), so there is no per-account bound unless
 * one is set; a bound here would only queue what the direct path sends (bench: 100 streams × 4).
 */
export const CONCURRENCY_DEFAULTS = { global: 256, perAccount: Number.POSITIVE_INFINITY };

export function actorConfigFrom(options: SupervisorOptions): ActorConfig {
	return {
		...ACTOR_DEFAULTS,
		...options.actor,
		codexBaseUrl: options.codexBaseUrl,
		auth: options.auth,
		home: options.home,
	};
}
