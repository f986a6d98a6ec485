// Public types of the fake Codex backend. Kept in one place so tests, benches
// and the demo import a single surface (re-exported by index.ts).

export interface WindowInit {
	usedPercent: number;
	windowMinutes: number;
	resetsInSeconds: number;
}

export interface FakeAccountInit {
	/** The fake's key for this login; also its chatgpt_account_id unless `workspaceId` is set. */
	accountId: string;
	/**
	 * chatgpt_account_id when several logins share one Team/Business workspace (each its own seat,
	 * user and limits; codex-rs token_data.rs: the claim is the workspace id).
	 */
	workspaceId?: string;
	email?: string;
	/** Default "plus". */
	plan?: string;
	/** 5h window (default 0%, 300 min, resets in 3h). */
	primary?: WindowInit;
	/**
	 * Weekly window (default 0%, 10080 min, resets in 5 days). `null`: a one-window plan (Free): the
	 * secondary slot is sent empty (`0`, `0`, reset-at ``), as the live service does; give the weekly
	 * (or a 30-day, 43200 min) window as `primary`.
	 */
	secondary?: WindowInit | null;
	/** Credits: with some (or unlimited) the account keeps serving past a full window (default none). */
	credits?: FakeCredits;
	/** Per-model limits (`x-codex-<id>-*`, wham `additional_rate_limits`); other models count against `codex`. */
	limits?: FakeLimitInit[];
	/** wham/usage answers `rate_limit: null` (usage-based business plans). */
	rateLimitNull?: boolean;
	/** wham/usage answers `spend_control: {reached: true}` and `allowed: false`. */
	spendControlReached?: boolean;
	/** Added to both windows per completed response (default 0); at >=100 the account answers 429 by itself. */
	percentPerRequest?: number;
	/**
	 * Charge `percentPerRequest` when the request is admitted instead of when it completes, so the
	 * success headers already include it (a service that counts at admission). Default false.
	 */
	chargeAtAdmission?: boolean;
	/** Lifetime of minted access tokens (default 3600). */
	accessTtlSeconds?: number;
}

export interface FakeCredits {
	hasCredits: boolean;
	unlimited?: boolean;
	/** Decimal string; the live service often sends it empty (default ""). */
	balance?: string;
}

export interface FakeLimitInit {
	/** Limit id as in `x-codex-active-limit` (`codex_bengalfox`); headers use `x-codex-bengalfox-*`. */
	id: string;
	/** `x-codex-<id>-limit-name` / wham `limit_name` (e.g. a model name). */
	name?: string;
	/** Models (request `model`) that count against this limit. */
	models: string[];
	primary: WindowInit;
}

export type Fault =
	| { kind: "usage-limit"; resetsInSeconds?: number }
	| { kind: "rate-limit"; retryAfterSeconds: number; withoutRetryAfter?: boolean }
	/** 402 `{"detail":{"code":"deactivated_workspace"}}`. */
	| { kind: "deactivated-workspace" }
	/** 403 with an empty body (`"empty"`, as Cloudflare/IP blocks answer) or a Cloudflare HTML page. */
	| { kind: "forbidden"; body: "empty" | "html" }
	/** 429 `usage_not_included`: the plan has no Codex. */
	| { kind: "usage-not-included" }
	/** 400 "The '<model>' model is not supported when using Codex with a ChatGPT account." (a plan's refusal). */
	| { kind: "model-not-supported" }
	| { kind: "unauthorized" }
	| { kind: "server-error"; status: 500 | 502 | 503 }
	| { kind: "reset-before-headers" }
	| { kind: "cut-mid-stream"; afterDeltas: number }
	/** `code: null` sends a null code (as `invalid_encrypted_content` once came, openai/codex#3942). */
	| { kind: "response-failed"; code?: string | null; message?: string }
	| { kind: "error-event"; code?: string; message?: string }
	| { kind: "hang" };

export interface UsageOverride {
	inputTokens?: number;
	cachedTokens?: number;
	outputTokens?: number;
	reasoningTokens?: number;
}

export interface ResponsePlan {
	/** Default "Hello from <accountId>."; split into deltas. */
	text?: string;
	/** How many output_text.delta events (default: one per word). */
	deltas?: number;
	/** Delay before headers (default 0). */
	firstByteDelayMs?: number;
	/** Delay between delta events (default 0). */
	interTokenDelayMs?: number;
	/** Emit a reasoning item with summary + encrypted_content minted for this account. */
	reasoning?: boolean;
	/** Emit a function_call item: instead of text when `text` is unset, after it otherwise. */
	toolCall?: { name: string; arguments: string };
	/** Force usage numbers in response.completed (default: estimated from the request). */
	usage?: UsageOverride;
}

export interface FakeTokens {
	access: string;
	refresh: string;
	idToken: string;
	/** Epoch ms. */
	expiresAt: number;
}

export type RouteName = "responses" | "usage" | "token" | "authorize";

export interface RequestLogEntry {
	route: RouteName;
	accountId?: string;
	/** 0 while the request is still in flight (e.g. a hang). */
	status: number;
	/** Epoch ms at arrival. */
	at: number;
	sessionId?: string;
	body?: unknown;
	fault?: Fault["kind"];
	/** True on the WebSocket transport: one entry per response.create frame, or a refused upgrade. */
	websocket?: boolean;
	/** True when the entry is a WebSocket upgrade that was refused (426, 401) or reset; it has no body. */
	upgrade?: boolean;
	/** True when the client went away before the answer was complete (abort, timeout). */
	clientClosed?: boolean;
}

export interface WindowState {
	usedPercent: number;
	/** Epoch ms. */
	resetsAt: number;
	windowMinutes: number;
}

export interface UsageSnapshot {
	primary: WindowState;
	secondary: WindowState;
}

export interface TokenKnobs {
	/**
	 * Time the endpoint takes before it processes a request (the refresh token is rotated after it,
	 * and the answer goes out at once): a client killed during it loses nothing.
	 */
	delayMs: number;
	/**
	 * `foreign`: a refresh is processed (the token is rotated) but answered with tokens of another
	 * account (`foreignAccountId`, or any other account), like a confused or hostile endpoint.
	 */
	fault?: "server-error" | "invalid-grant" | "hang" | "foreign" | "refresh-error";
	/** For `refresh-error`: the status and `error.code` of the refusal (default 401 `refresh_token_reused`). */
	refreshError?: {
		status: 400 | 401;
		code: "refresh_token_reused" | "refresh_token_expired" | "refresh_token_invalidated";
	};
	foreignAccountId?: string;
}

/** "serve" answers WebSocket upgrades on the responses path; "refuse" answers 426 (pi-ai then uses SSE). */
export type WebSocketMode = "serve" | "refuse";

export interface FakeCodex {
	/** http://127.0.0.1:PORT */
	origin: string;
	/** origin + "/backend-api" (replaces https://chatgpt.com/backend-api). */
	baseUrl: string;
	/** origin + "/oauth/token" */
	tokenUrl: string;
	/** origin + "/oauth/authorize" */
	authorizeUrl: string;
	addAccount(init: FakeAccountInit): FakeTokens;
	issueTokens(accountId: string): FakeTokens;
	expireAccessTokens(accountId: string): void;
	setFault(accountId: string, fault: Fault, opts?: { times?: number }): void;
	clearFault(accountId: string): void;
	setResponse(plan: ResponsePlan, accountId?: string): void;
	setUsage(accountId: string, patch: { primary?: Partial<WindowInit>; secondary?: Partial<WindowInit> }): void;
	/** Patch a per-model limit's window (by limit id). */
	setLimitUsage(accountId: string, limitId: string, patch: Partial<WindowInit>): void;
	/** Give or take credits (undefined: none). */
	setCredits(accountId: string, credits: FakeCredits | undefined): void;
	usageOf(accountId: string): UsageSnapshot;
	token: TokenKnobs;
	authorize: { deny: boolean };
	/** Account that logs in on /oauth/authorize without login_hint; addAccount sets it to the newest account. */
	nextLoginAccountId: string | undefined;
	rejectForeignReasoning: boolean;
	/** WebSocket transport on the responses path; default "refuse" (see StartOptions.websocket). */
	websocket: WebSocketMode;
	/** Accepted WebSocket upgrades so far (for one account, or all). */
	websocketConnectionCount(accountId?: string): number;
	/** WebSocket connections open right now. */
	openWebSocketCount(): number;
	/** Drop every open connection's previous_response_id state, as a service that lost it would. */
	forgetWebSocketResponses(): void;
	readonly requests: RequestLogEntry[];
	tokenCallCount(accountId?: string): number;
	/** Resolves with the first logged request (past or future) that matches. */
	waitForRequest(match: (entry: RequestLogEntry) => boolean): Promise<RequestLogEntry>;
	/**
	 * Test control, not a service behaviour: admitted SSE responses wait before their headers until
	 * `release()` (or the client goes away), so a test can keep requests in flight at the upstream.
	 */
	holdResponses(): { release(): void };
	/** Responses requests open right now (arrived, answer not finished), and the most open at once so far. */
	openResponses(): { now: number; peak: number };
	crash(): void;
	close(): Promise<void>;
}

export interface StartOptions {
	port?: number;
	accounts?: FakeAccountInit[];
	/** Default "refuse", so clients on transport "auto" use SSE unless a test opts in. */
	websocket?: WebSocketMode;
}
