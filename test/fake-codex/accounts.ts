import { createHash } from "node:crypto";
import type { FakeAccountInit, FakeCredits, Fault, UsageSnapshot, WindowInit, WindowState } from "./types.ts";

// Per-account state: usage windows (they roll over like the real ones once
// their reset time passes), the armed fault and the prompt-cache memory.

export interface ArmedFault {
	fault: Fault;
	remaining: number;
}

export interface Account {
	accountId: string;
	/** chatgpt_account_id in its tokens (the workspace). */
	workspaceId: string;
	userId: string;
	email: string;
	plan: string;
	percentPerRequest: number;
	chargeAtAdmission: boolean;
	accessTtlSeconds: number;
	primary: WindowState;
	secondary: WindowState;
	/** A one-window plan: `secondary` is not used and is sent as an empty slot. */
	singleWindow: boolean;
	credits?: FakeCredits;
	limits: LimitState[];
	rateLimitNull: boolean;
	spendControlReached: boolean;
	fault?: ArmedFault;
	/** prompt_cache_key -> input tokens of the last request (prompt cache is per account). */
	promptCache: Map<string, number>;
}

/** A per-model limit and its one window. */
export interface LimitState {
	id: string;
	name?: string;
	models: string[];
	window: WindowState;
}

const DEFAULT_PRIMARY: WindowInit = { usedPercent: 0, windowMinutes: 300, resetsInSeconds: 3 * 3600 };
const DEFAULT_SECONDARY: WindowInit = { usedPercent: 0, windowMinutes: 10080, resetsInSeconds: 5 * 86400 };

function toWindow(init: WindowInit, now: number): WindowState {
	return {
		usedPercent: clampPercent(init.usedPercent),
		windowMinutes: init.windowMinutes,
		resetsAt: now + init.resetsInSeconds * 1000,
	};
}

function clampPercent(value: number): number {
	return Math.min(100, Math.max(0, value));
}

export function createAccount(init: FakeAccountInit, now = Date.now()): Account {
	const hash = createHash("sha256").update(init.accountId).digest("hex");
	return {
		accountId: init.accountId,
		workspaceId: init.workspaceId ?? init.accountId,
		userId: `user-${hash.slice(0, 24)}`,
		email: init.email ?? `${init.accountId}@example.test`,
		plan: init.plan ?? "plus",
		percentPerRequest: init.percentPerRequest ?? 0,
		chargeAtAdmission: init.chargeAtAdmission ?? false,
		accessTtlSeconds: init.accessTtlSeconds ?? 3600,
		primary: toWindow(init.primary ?? DEFAULT_PRIMARY, now),
		secondary: toWindow(init.secondary ?? DEFAULT_SECONDARY, now),
		singleWindow: init.secondary === null,
		...(init.credits ? { credits: { ...init.credits } } : {}),
		limits: (init.limits ?? []).map((l) => ({
			id: l.id,
			...(l.name ? { name: l.name } : {}),
			models: [...l.models],
			window: toWindow(l.primary, now),
		})),
		rateLimitNull: init.rateLimitNull ?? false,
		spendControlReached: init.spendControlReached ?? false,
		promptCache: new Map(),
	};
}

// A window whose reset time has passed starts over empty, as the service does.
function rollOver(window: WindowState, now: number): void {
	if (now < window.resetsAt) return;
	const length = window.windowMinutes * 60_000;
	const periods = length > 0 ? Math.floor((now - window.resetsAt) / length) + 1 : 1;
	window.usedPercent = 0;
	window.resetsAt += periods * Math.max(length, 1);
}

export function currentUsage(account: Account, now = Date.now()): UsageSnapshot {
	rollOver(account.primary, now);
	rollOver(account.secondary, now);
	for (const limit of account.limits) rollOver(limit.window, now);
	return { primary: { ...account.primary }, secondary: { ...account.secondary } };
}

/** The per-model limit a request's model counts against, or undefined for the main `codex` limit. */
export function limitFor(account: Account, model: unknown): LimitState | undefined {
	return typeof model === "string" ? account.limits.find((l) => l.models.includes(model)) : undefined;
}

/** Credits or unlimited: the service serves past a full window and bills them (openai/codex#19242). */
export function paysWithCredits(account: Account): boolean {
	return account.credits?.hasCredits === true || account.credits?.unlimited === true;
}

export function patchWindow(window: WindowState, patch: Partial<WindowInit>, now = Date.now()): void {
	if (patch.usedPercent !== undefined) window.usedPercent = clampPercent(patch.usedPercent);
	if (patch.windowMinutes !== undefined) window.windowMinutes = patch.windowMinutes;
	if (patch.resetsInSeconds !== undefined) window.resetsAt = now + patch.resetsInSeconds * 1000;
}

export function chargeCompletedResponse(account: Account, model?: unknown): void {
	if (account.percentPerRequest <= 0) return;
	const limit = limitFor(account, model);
	if (limit) {
		limit.window.usedPercent = clampPercent(limit.window.usedPercent + account.percentPerRequest);
		return;
	}
	account.primary.usedPercent = clampPercent(account.primary.usedPercent + account.percentPerRequest);
	account.secondary.usedPercent = clampPercent(account.secondary.usedPercent + account.percentPerRequest);
}

/** The windows in use: both, or only the primary on a one-window plan. */
export function liveWindows(account: Account, usage: UsageSnapshot): WindowState[] {
	return account.singleWindow ? [usage.primary] : [usage.primary, usage.secondary];
}

/** The full window that frees up last; undefined when none is full. */
export function fullWindow(windows: WindowState[]): WindowState | undefined {
	const full = windows.filter((w) => w.usedPercent >= 100);
	if (full.length === 0) return undefined;
	return full.reduce((a, b) => (b.resetsAt > a.resetsAt ? b : a));
}

/** Consume one use of the armed fault, if any. */
export function takeFault(account: Account): Fault | undefined {
	const armed = account.fault;
	if (!armed) return undefined;
	armed.remaining -= 1;
	if (armed.remaining <= 0) account.fault = undefined;
	return armed.fault;
}

/**
 * Prompt caching as the service does it per account: a repeated
 * prompt_cache_key reuses the earlier prefix once it is >= 1024 tokens, in
 * 128-token steps. Another account has a cold cache, which is what failover costs.
 */
export function rememberPrompt(account: Account, cacheKey: string | undefined, inputTokens: number): number {
	if (!cacheKey) return 0;
	const previous = account.promptCache.get(cacheKey) ?? 0;
	account.promptCache.set(cacheKey, inputTokens);
	const reusable = Math.min(previous, inputTokens);
	return reusable >= 1024 ? Math.floor(reusable / 128) * 128 : 0;
}

/**
 * What refuses this request: the full window of the limit its model counts against (a per-model
 * limit, or the account's own windows), unless credits pay for it. Undefined: served.
 */
export function blockingWindow(
	account: Account,
	usage: UsageSnapshot,
	model?: unknown,
): { window: WindowState; limit?: LimitState } | undefined {
	if (paysWithCredits(account)) return undefined;
	const limit = limitFor(account, model);
	const window = fullWindow(limit ? [limit.window] : liveWindows(account, usage));
	return window ? { window, ...(limit ? { limit } : {}) } : undefined;
}
