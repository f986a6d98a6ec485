/**
 * The wire between the supervisor (main thread) and one account actor (worker thread): one
 * discriminated union per direction, versioned. Plain data only: classes do not survive
 * postMessage, so errors travel as `WireError` and are rebuilt on the other side.
 */
import type { AuthEndpoints } from "../auth/auth-endpoints.ts";
import type { AccountCredentials, SharedAccountState } from "../store/account-record.ts";
import type { StoreConfig } from "../store/store-config.ts";
import type { UsageSnapshot } from "../usage/usage-snapshot.ts";

export const PROTOCOL_VERSION = 2 as const;

export type ActorState = "starting" | "ready" | "cooling-down" | "needs-login" | "restarting" | "gave-up";

/**
 * Whether the account's actor has a thread: `dormant` (none; the account is served from the store),
 * `activating` (its thread is starting), `active`.
 */
export type ActorActivation = "dormant" | "activating" | "active";

/** What the actor reports of itself; the supervisor adds what only it knows (see `ActorSnapshot`). */
export interface ActorReport {
	accountId: string;
	label: string;
	state: ActorState;
	cooldownUntil?: number;
	cooldownReason?: string;
	/** Cooldowns of single per-model limits (`codex_bengalfox` → epoch ms): other models still route here. */
	limitCooldowns?: Record<string, number>;
	usage?: UsageSnapshot;
	/** Epoch ms when the current thread started (for a dormant actor: when the account was loaded). */
	startedAt: number;
	restarts: number;
	lastError?: string;
	/** Rotated tokens are live in the actor but the store refused them: the reason. */
	loginNotSaved?: string;
	/** Epoch ms of `lastError`: an old error next to fresh successes is history, not a state. */
	lastErrorAt?: number;
	/** Epoch ms when the current access token expires. */
	tokenExpiresAt?: number;
	threadId?: number;
	/** The `storeSeq` of the last store state (start, store-changed) taken in when this report was made. */
	storeSeq?: number;
}

/** Everything the UI may show about an actor. Never holds a token. */
export interface ActorSnapshot extends ActorReport {
	/** Streams this process has in flight on the account, counted by the supervisor (survives a crash). */
	inFlight: number;
	activation: ActorActivation;
}

export interface WireError {
	/** A `DispatchError` code, e.g. `E_NEEDS_LOGIN`. */
	code: string;
	message: string;
}

/** Tunables handed to every actor. All times in ms. */
export interface ActorConfig {
	/** Refresh this long before the access token expires. */
	refreshMarginMs: number;
	/** How long a polled usage snapshot counts as fresh. */
	usageTtlMs: number;
	/**
	 * Usage older than this is polled (once for the whole pool, under a lease in the store); a busy
	 * account learns usage from response headers instead.
	 */
	usagePollMs: number;
	/** Cooldown when a 429 says nothing about when it resets. */
	fallbackCooldownMs: number;
	/** Minimum spacing of usage writes to the shared store (cooldowns are written at once). */
	usagePersistMs: number;
	/** Retries for transient refresh and poll failures. */
	refreshRetries: number;
	retryMinTimeoutMs: number;
	/** `{base}/wham/usage` and `{base}/codex/responses` hang off this. */
	codexBaseUrl: string;
	/** OAuth endpoints (token URL, client id) for refresh. */
	auth: AuthEndpoints;
	/** The shared store's folder (the actor writes credentials and cooldowns there). */
	home: string;
	/** The store the supervisor opened (file or Redis); absent = the file store in `home`. */
	store?: StoreConfig;
}

/** What the supervisor saw of one upstream response, for the actor to learn from. */
export interface ResponseObservation {
	status: number;
	headers: Record<string, string>;
	/** Body of a non-2xx answer (JSON text from the service; never contains a token). */
	errorBody?: string;
	at: number;
}

// ---------------------------------------------------------------------------
// Supervisor → actor
// ---------------------------------------------------------------------------

export type SupervisorToActor =
	| {
			v: typeof PROTOCOL_VERSION;
			type: "start";
			/** `workspace`/`seat` as in AccountRecord: what a refresh's tokens must name. */
			account: { id: string; label: string; workspace?: string; seat?: string };
			credentials: AccountCredentials;
			shared: SharedAccountState;
			/** Numbers the store states handed to the actor, so its reports say which one they follow. */
			storeSeq?: number;
			needsLogin?: { since: number; reason: string };
			restarts: number;
			config: ActorConfig;
	  }
	/** A valid access token, please; `rejectedAccess` means upstream answered 401 to that one. */
	| { v: typeof PROTOCOL_VERSION; type: "lease"; id: number; rejectedAccess?: string }
	| { v: typeof PROTOCOL_VERSION; type: "observed"; observation: ResponseObservation }
	/** Exhaustion learnt without a response to show (WebSocket text errors); `until` when known. */
	| { v: typeof PROTOCOL_VERSION; type: "exhausted"; reason: string; until?: number }
	/** Another process changed this account in the store (login, cooldown, usage). */
	| {
			v: typeof PROTOCOL_VERSION;
			type: "store-changed";
			label: string;
			credentials: AccountCredentials;
			shared: SharedAccountState;
			storeSeq?: number;
			needsLogin?: { since: number; reason: string };
	  }
	/**
	 * This process holds the account's poll lease: ask `wham/usage` now (refreshing first if due).
	 * `recheck` (/dispatch-recheck): ask even when the usage is fresh, and end any cooldown it shows over.
	 */
	| { v: typeof PROTOCOL_VERSION; type: "poll-usage"; recheck?: boolean }
	/** Deactivate: finish store writes (and flush unshared usage), then end the task. */
	| { v: typeof PROTOCOL_VERSION; type: "shutdown" };

// ---------------------------------------------------------------------------
// Actor → supervisor
// ---------------------------------------------------------------------------

export type ActorToSupervisor =
	| { v: typeof PROTOCOL_VERSION; type: "ready"; snapshot: ActorReport }
	| { v: typeof PROTOCOL_VERSION; type: "snapshot"; snapshot: ActorReport }
	/** The current token, pushed whenever it changes so routing needs no round trip. */
	| { v: typeof PROTOCOL_VERSION; type: "token"; access: string; expiresAt: number }
	| { v: typeof PROTOCOL_VERSION; type: "lease-granted"; id: number; access: string; expiresAt: number }
	| { v: typeof PROTOCOL_VERSION; type: "lease-denied"; id: number; error: WireError };

export type SupervisorToActorType = SupervisorToActor["type"];
export type ActorToSupervisorType = ActorToSupervisor["type"];

/** Body of a message without the version tag, for senders. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type SupervisorToActorBody = DistributiveOmit<SupervisorToActor, "v">;
export type ActorToSupervisorBody = DistributiveOmit<ActorToSupervisor, "v">;

export function assertNever(value: never): never {
	throw new Error(`unhandled message: ${JSON.stringify(value)}`);
}
