/**
 * The /dispatch-status table, made to fit an 80-column terminal: one row per account (label, plan,
 * state, both windows with their reset times, weekly burn rate, age of the data), one `└` row per
 * per-model limit and per actor problem, and the pool's runway under the table. Long cells are
 * shortened with "…"; `statusJson` (the shell's `--json`) has every field in full.
 */
import { formatLocalTime } from "../dispatch/user-messages.ts";
import { type CapSettings, capReached, capText, windowsByLength } from "../quota/caps.ts";
import { type QuotaView, runwayLines } from "../quota/quota-view.ts";
import type { Runway } from "../quota/runway.ts";
import type { CreditsPolicy } from "../store/account-record.ts";
import type { AccountView, Supervisor } from "../supervisor/supervisor.ts";
import { MODEL_NOT_ON_PLAN } from "../usage/upstream-failure.ts";
import { isOnCredits, type LimitUsage, type UsageSnapshot, type UsageWindow } from "../usage/usage-snapshot.ts";
import {
	type AccountStanding,
	accountStanding,
	type SessionAccounts,
	standingText,
	stateText,
} from "./account-state.ts";
import { burnText, formatDuration, formatPercent, renderTable, safeOneLine } from "./text-format.ts";

export const STATUS_WIDTH = 80;

const HEADER = ["LABEL", "PLAN", "STATE", "5H", "WEEKLY", "BURN", "AGE"];
/** When a row would pass the width, columns give way in these steps: [column, down to width]. */
const SHRINK_STEPS: readonly [number, number][] = [
	[0, 12], // LABEL
	[1, 5], // PLAN
	[2, 18], // STATE
	[0, 6],
	[2, 11],
];

export interface StatusTableInput {
	accounts: readonly AccountView[];
	session: SessionAccounts;
	now: number;
	/** The pool database, named in the title so a broken file can be found. */
	file: string;
	/** The credits policy in force (default "last-resort"): says whether an account on credits serves. */
	credits?: CreditsPolicy;
	caps?: CapSettings;
	/** Weekly burn rate per account id, in percent of the window per hour (from the usage history). */
	burn?: ReadonlyMap<string, number>;
	/** Lines under the table: the pool's runway. */
	footer?: readonly string[];
	/** The pool's runway, for `--json`. */
	runway?: Runway;
	/** A line under the title about the store itself (unreachable since …). */
	storeNote?: string;
	/** Default 80. */
	width?: number;
}

export function renderStatusTable(input: StatusTableInput): string[] {
	const { accounts, now } = input;
	const width = input.width ?? STATUS_WIDTH;
	const count = accounts.length === 1 ? "1 account" : `${accounts.length} accounts`;
	const title = clip(`pi-dispatch: ${count} (${input.file})`, width, "middle");
	const rows: string[][] = [];
	const notes = new Map<number, string[]>();
	for (const view of accounts) {
		const { snapshot } = view;
		const usage = snapshot.usage;
		const windows = windowsByLength(usage);
		const burn = input.burn?.get(view.id);
		const standing = accountStanding(view, input.session, now);
		rows.push([
			view.label,
			view.plan ?? usage?.planType ?? "-",
			shortState(view, standing, input, now),
			windowCell(windows["5h"], now, SHORT_MINUTES),
			windowCell(windows.weekly, now, LONG_MINUTES),
			burn === undefined ? "-" : burnText(burn),
			usage ? formatDuration(now - usage.observedAt) : "-",
		]);
		const health = healthNote(view, now);
		const limits = (usage?.limits ?? []).map((limit) => limitNote(limit, snapshot.limitCooldowns?.[limit.id], now));
		notes.set(rows.length - 1, [...refusalNotes(view, standing, now), ...limits, ...(health ? [health] : [])]);
	}
	const lines = fitTable(HEADER, rows, width);
	// Health notes go under their account, cut to the width; they do not widen the columns.
	const out = [title, ...(input.storeNote ? [clip(input.storeNote, width)] : []), lines[0]!];
	for (const [i, line] of lines.slice(1).entries()) {
		out.push(line);
		for (const note of notes.get(i) ?? []) out.push(clip(`  └ ${note}`, width));
	}
	for (const line of input.footer ?? []) out.push(clip(line, width));
	return out;
}

/** The STATE cell, short: the full sentence is in `--json` (and /dispatch-use's picker). */
function shortState(view: AccountView, standing: AccountStanding, input: StatusTableInput, now: number): string {
	const usage = view.snapshot.usage;
	if (standing.kind === "available" || standing.kind === "active") {
		if (isOnCredits(usage)) return creditsState(usage, input.credits);
		const cap = capReached(input.caps, view.id, usage, now);
		if (cap) return capText(cap);
	}
	switch (standing.kind) {
		case "active":
			return standing.pinned ? "active (pinned)" : "active here";
		case "cooling-down":
			return standing.until !== undefined ? `cooling → ${formatLocalTime(standing.until, now)}` : "cooling down";
		case "login-not-saved":
			return "login not saved";
		case "refused":
			return standing.reason;
		case "down":
			return "down";
		default:
			// Models the plan refused go on a └ line (refusalNotes), not in the cell.
			return standingText(standing, now);
	}
}

/** What the table shows of the pool's settings. */
export function poolView(supervisor: Pick<Supervisor, "settings">): Pick<StatusTableInput, "caps"> {
	const caps = supervisor.settings().caps;
	return caps ? { caps } : {};
}

/** The burn rates and runway as table input. */
export function quotaFields(quota: QuotaView, now: number): Pick<StatusTableInput, "burn" | "footer" | "runway"> {
	return {
		burn: quota.burn,
		footer: runwayLines(quota.runway, now),
		...(quota.runway ? { runway: quota.runway } : {}),
	};
}

/** Everything the table shows, in full, for scripts (`pi-dispatch status --json`). */
export function statusJson(input: StatusTableInput): unknown {
	const { now } = input;
	return {
		file: input.file,
		...(input.storeNote ? { store: input.storeNote } : {}),
		now: new Date(now).toISOString(),
		credits: input.credits ?? "last-resort",
		runway: input.runway ? runwayJson(input.runway) : null,
		accounts: input.accounts.map((view) => {
			const { snapshot } = view;
			const windows = windowsByLength(snapshot.usage);
			const cap = capReached(input.caps, view.id, snapshot.usage, now);
			const burn = input.burn?.get(view.id);
			return {
				id: view.id,
				label: view.label,
				email: view.email ?? null,
				plan: view.plan ?? snapshot.usage?.planType ?? null,
				state: stateText(view, input.session, now),
				standing: accountStanding(view, input.session, now).kind,
				atCap: cap ?? null,
				fiveHour: windowJson(windows["5h"]),
				weekly: windowJson(windows.weekly),
				weeklyBurnPercentPerHour: burn ?? null,
				credits: snapshot.usage?.credits ?? null,
				usageObservedAt: snapshot.usage ? new Date(snapshot.usage.observedAt).toISOString() : null,
				cooldownUntil: snapshot.cooldownUntil ? new Date(snapshot.cooldownUntil).toISOString() : null,
				cooldownReason: snapshot.cooldownReason ?? null,
				limits: (snapshot.usage?.limits ?? []).map((limit) => ({
					id: limit.id,
					name: limit.name ?? null,
					...Object.fromEntries(Object.entries(windowsByLength(limit)).map(([k, w]) => [k, windowJson(w)])),
					cooldownUntil: snapshot.limitCooldowns?.[limit.id]
						? new Date(snapshot.limitCooldowns[limit.id]!).toISOString()
						: null,
				})),
				refusedModels: view.refusedModels ?? [],
				actor: {
					activation: snapshot.activation ?? null,
					upSince: snapshot.activation === "active" ? new Date(snapshot.startedAt).toISOString() : null,
					restarts: snapshot.restarts,
					inFlight: snapshot.inFlight,
					lastError: snapshot.lastError ? safeOneLine(snapshot.lastError) : null,
					lastErrorAt: snapshot.lastErrorAt ? new Date(snapshot.lastErrorAt).toISOString() : null,
				},
			};
		}),
	};
}

function runwayJson(runway: Runway): unknown {
	return {
		remainingPercent: runway.remainingPercent,
		burnPercentPerHour: runway.burnPercentPerHour ?? null,
		dryAt: runway.dryAt !== undefined ? new Date(runway.dryAt).toISOString() : null,
		firstReset: runway.firstReset ? { ...runway.firstReset, at: new Date(runway.firstReset.at).toISOString() } : null,
	};
}

function windowJson(window: UsageWindow | undefined): unknown {
	if (!window) return null;
	return {
		usedPercent: window.usedPercent,
		windowMinutes: window.windowMinutes,
		resetsAt: window.resetsAt !== undefined ? new Date(window.resetsAt).toISOString() : null,
	};
}

const SHORT_MINUTES = 300;
const LONG_MINUTES = 10080;

/** A per-model limit under its account: "gpt-5.3-codex-spark: 5h 100% 13:40 · cooling → 13:40". */
function limitNote(limit: LimitUsage, cooldownUntil: number | undefined, now: number): string {
	const windows = windowsByLength(limit);
	const parts = [
		...(windows["5h"] ? [`5h ${windowCell(windows["5h"], now, SHORT_MINUTES)}`] : []),
		...(windows.weekly ? [`weekly ${windowCell(windows.weekly, now, LONG_MINUTES)}`] : []),
	];
	if (cooldownUntil !== undefined && cooldownUntil > now)
		parts.push(`cooling → ${formatLocalTime(cooldownUntil, now)}`);
	return `${safeOneLine(limit.name ?? limit.id, 30)}: ${parts.join(" · ") || "-"}`;
}

/** An account whose plan quota is spent but whose credits would pay: whether it serves depends on the policy. */
function creditsState(usage: UsageSnapshot | undefined, policy: CreditsPolicy | undefined): string {
	return policy === "never" ? "credits not spent" : `on credits${creditsBalance(usage)}`;
}

function creditsBalance(usage: UsageSnapshot | undefined): string {
	if (usage?.credits?.unlimited) return ", unlimited";
	return usage?.credits?.balance !== undefined ? ` (${usage.credits.balance})` : "";
}

/** Restarts and the last error, with its age (an old one next to fresh successes reads as history). */
/** A refusal's re-check time and the models the plan refused: too long for the STATE cell. */
function refusalNotes(view: AccountView, standing: AccountStanding, now: number): string[] {
	const notes = standing.kind === "refused" && standing.until !== undefined ? [standingText(standing, now)] : [];
	if (view.refusedModels?.length) notes.push(`${MODEL_NOT_ON_PLAN}: ${view.refusedModels.join(", ")}`);
	return notes;
}

function healthNote(view: AccountView, now: number): string | undefined {
	const { snapshot } = view;
	const parts: string[] = [];
	if (snapshot.restarts > 0) parts.push(`restarted ${snapshot.restarts}×`);
	if (snapshot.lastError) {
		const age = snapshot.lastErrorAt === undefined ? "" : ` (${formatDuration(now - snapshot.lastErrorAt)} ago)`;
		parts.push(`${safeOneLine(snapshot.lastError, 200)}${age}`);
	}
	return parts.length > 0 ? parts.join("; ") : undefined;
}

/** "40% 18:40": used share and when the window resets; "30d 12% …" when its length is not the column's. */
function windowCell(window: UsageWindow | undefined, now: number, columnMinutes: number): string {
	if (!window) return "-";
	const label = window.windowMinutes === columnMinutes ? "" : `${windowLabelShort(window.windowMinutes)} `;
	const percent = `${label}${formatPercent(window.usedPercent)}`;
	return window.resetsAt !== undefined ? `${percent} ${formatLocalTime(window.resetsAt, now)}` : percent;
}

function windowLabelShort(minutes: number): string {
	if (minutes % 1440 === 0) return `${minutes / 1440}d`;
	if (minutes % 60 === 0) return `${minutes / 60}h`;
	return `${minutes}m`;
}

/** The table, with the shrinkable columns cut (with "…") until every line fits `width`. */
export function fitTable(header: readonly string[], rows: readonly (readonly string[])[], width: number): string[] {
	const cells = rows.map((r) => [...r]);
	const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
	const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
	for (const [column, floor] of SHRINK_STEPS) {
		const min = Math.max(floor, header[column]?.length ?? 0);
		while (total() > width && (widths[column] ?? 0) > min) widths[column] = (widths[column] ?? 0) - 1;
	}
	for (const row of cells) {
		for (const [i, w] of widths.entries()) row[i] = clip(row[i] ?? "", w);
	}
	return renderTable(header, cells).map((line) => clip(line, width));
}

/** `text` cut to `width` with "…" (at the end, or in the middle for paths). */
export function clip(text: string, width: number, where: "end" | "middle" = "end"): string {
	if (text.length <= width) return text;
	if (where === "end") return `${text.slice(0, width - 1)}…`;
	const head = Math.ceil((width - 1) / 2);
	return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}
