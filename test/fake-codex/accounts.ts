import { createHash } from "node:crypto";
import type { FakeAccountInit, Fault, UsageSnapshot, WindowInit, WindowState } from "./types.ts";

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
	fault?: ArmedFault;
	/** prompt_cache_key -> input tokens of the last request (prompt cache is per account). */
	promptCache: Map<string, number>;
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
	return { primary: { ...account.primary }, secondary: { ...account.secondary } };
}

export function patchWindow(window: WindowState, patch: Partial<WindowInit>, now = Date.now()): void {
	if (patch.usedPercent !== undefined) window.usedPercent = clampPercent(patch.usedPercent);
	if (patch.windowMinutes !== undefined) window.windowMinutes = patch.windowMinutes;
	if (patch.resetsInSeconds !== undefined) window.resetsAt = now + patch.resetsInSeconds * 1000;
}

export function chargeCompletedResponse(account: Account): void {
	if (account.percentPerRequest <= 0) return;
	account.primary.usedPercent = clampPercent(account.primary.usedPercent + account.percentPerRequest);
	account.secondary.usedPercent = clampPercent(account.secondary.usedPercent + account.percentPerRequest);
}

/** The exhausted window that frees up last, or undefined when the account may be used. */
export function blockingWindow(usage: UsageSnapshot): WindowState | undefined {
	const full = [usage.primary, usage.secondary].filter((w) => w.usedPercent >= 100);
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
