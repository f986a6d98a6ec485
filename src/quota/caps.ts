/**
 * Caps: stop routing to an account once a window's used share reaches N % (some quota kept for
 * ChatGPT or the Codex app). A cap names a window by length: `5h` is the short window, `weekly`
 * the long one (30 days on some Free plans). Pure: the selection policy and the status read it.
 */
import type { CapRule, CapSettings, CapWindow, WindowCaps } from "../store/pool-settings.ts";
import { type UsageSnapshot, type UsageWindow, usageWindows } from "../usage/usage-snapshot.ts";

export type { CapRule, CapSettings, CapWindow, WindowCaps } from "../store/pool-settings.ts";

/** A cap the account has reached now. */
export interface CapHit {
	window: CapWindow;
	percent: number;
	hard: boolean;
}

/** The account's own cap on `window`, else the pool-wide one. */
export function capFor(caps: CapSettings | undefined, accountId: string, window: CapWindow): CapRule | undefined {
	return caps?.accounts?.[accountId]?.[window] ?? caps?.all?.[window];
}

/** The short (≤ a day) and long windows of a snapshot, by length as the status shows them. */
export function windowsByLength(
	usage: Pick<UsageSnapshot, "primary" | "secondary"> | undefined,
): Partial<Record<CapWindow, UsageWindow>> {
	const windows = usageWindows(usage);
	const long = windows.filter((w) => w.windowMinutes > 1440).at(-1);
	const short = windows.find((w) => w !== long);
	return { ...(short ? { "5h": short } : {}), ...(long ? { weekly: long } : {}) };
}

/**
 * The cap the account is at now, if any: a window whose used share reached its cap and has not
 * reset yet. A hard hit is reported before a soft one.
 */
export function capReached(
	caps: CapSettings | undefined,
	accountId: string,
	usage: UsageSnapshot | undefined,
	now: number,
): CapHit | undefined {
	if (!caps || !usage) return undefined;
	const windows = windowsByLength(usage);
	let hit: CapHit | undefined;
	for (const name of ["5h", "weekly"] as const) {
		const rule = capFor(caps, accountId, name);
		const window = windows[name];
		if (!rule || !window) continue;
		if (window.resetsAt !== undefined && window.resetsAt <= now) continue;
		if (window.usedPercent < rule.percent) continue;
		const found = { window: name, percent: rule.percent, hard: rule.hard === true };
		if (!hit || (found.hard && !hit.hard)) hit = found;
	}
	return hit;
}

/** "at cap 90 %", "at hard cap 90 % (5h)". */
export function capText(hit: CapHit): string {
	const window = hit.window === "weekly" ? "" : ` (${hit.window})`;
	return `at ${hit.hard ? "hard " : ""}cap ${hit.percent} %${window}`;
}

/** `caps` with the rule for `target` (an account id, or every account) on `window` set, or removed when undefined. */
export function withCap(
	caps: CapSettings | undefined,
	target: { all: true } | { accountId: string },
	window: CapWindow,
	rule: CapRule | undefined,
): CapSettings {
	const next: CapSettings = structuredClone(caps ?? {});
	const edit = (current: WindowCaps | undefined): WindowCaps | undefined => {
		const windows = { ...current };
		if (rule) windows[window] = { percent: rule.percent, ...(rule.hard ? { hard: true } : {}) };
		else delete windows[window];
		return Object.keys(windows).length > 0 ? windows : undefined;
	};
	if ("all" in target) {
		const all = edit(next.all);
		if (all) next.all = all;
		else delete next.all;
	} else {
		const accounts = { ...next.accounts };
		const own = edit(accounts[target.accountId]);
		if (own) accounts[target.accountId] = own;
		else delete accounts[target.accountId];
		if (Object.keys(accounts).length > 0) next.accounts = accounts;
		else delete next.accounts;
	}
	return next;
}

/** Drops the caps of accounts no longer in the pool. */
export function capsOfKnown(caps: CapSettings | undefined, known: ReadonlySet<string>): CapSettings | undefined {
	if (!caps?.accounts) return caps;
	const accounts = Object.fromEntries(Object.entries(caps.accounts).filter(([id]) => known.has(id)));
	const { accounts: _old, ...rest } = caps;
	return Object.keys(accounts).length > 0 ? { ...rest, accounts } : rest;
}

/** "weekly", "week", "wk", "long" → weekly; "5h", "5-hour", "short" → 5h. */
export function parseCapWindow(text: string): CapWindow | undefined {
	const t = text.toLowerCase();
	if (["weekly", "week", "wk", "long", "7d"].includes(t)) return "weekly";
	if (["5h", "5-hour", "5hour", "short"].includes(t)) return "5h";
	return undefined;
}

/** "90%", "90", "90 %" → 90; "off" → null (remove); anything else → undefined. */
export function parseCapPercent(text: string): number | null | undefined {
	const t = text.trim().toLowerCase();
	if (t === "off" || t === "none" || t === "remove") return null;
	const match = /^(\d{1,3}(?:\.\d+)?)\s*%?$/.exec(t);
	if (!match) return undefined;
	const value = Number(match[1]);
	return value > 0 && value <= 100 ? value : undefined;
}
