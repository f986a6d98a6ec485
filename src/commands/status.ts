/**
 * /dispatch-status: the pool as a table. In the TUI it is a live widget above the editor
 * (`/dispatch-status hide` closes it); in print and RPC mode the same lines are printed once.
 */

import { renderHistoryChart } from "../quota/history-chart.ts";
import { loadQuotaView } from "../quota/quota-view.ts";
import { burnRate } from "../quota/runway.ts";
import { sampleOf } from "../store/usage-sample.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { requireLabel } from "./account-lookup.ts";
import type { DispatchCommand } from "./command-env.ts";
import { CommandUsageError } from "./command-errors.ts";
import { STATUS_WIDGET_KEY } from "./session-watch.ts";
import { poolView, quotaFields, renderStatusTable, type StatusTableInput } from "./status-table.ts";
import { storeView } from "./store-title.ts";
import { burnText } from "./text-format.ts";

const DAY = 24 * 60 * 60_000;
const HISTORY_DAYS = 7;

/** How long a one-shot status waits for the first usage polls of a just-started pool. */
const USAGE_WAIT_MS = 2000;

const STATUS_USAGE = "Usage: /dispatch-status, /dispatch-status --history <label>, or /dispatch-status hide.";

/** The 7-day chart's widget, beside the status table's. */
export const HISTORY_WIDGET_KEY = "pi-dispatch-history";

const NO_ACCOUNTS = "pi-dispatch has no Codex accounts yet. Run /dispatch-login to add one, or /dispatch-import.";

export function statusCommand(now: () => number = Date.now): DispatchCommand {
	return {
		name: "dispatch-status",
		description:
			"Show the Codex accounts, their quota and the pool's runway (--history <label>: 7 days; hide closes it)",
		complete: (prefix) => ["hide", "--history"].filter((w) => w.startsWith(prefix.trim())),
		async run(args, env) {
			if (args === "hide") {
				if (env.session) env.session.hideStatus();
				else env.ui.show(STATUS_WIDGET_KEY, undefined);
				if (env.ui.mode === "tui") env.ui.show(HISTORY_WIDGET_KEY, undefined);
				return;
			}
			const history = /^--history(?:\s+(\S+))?$/.exec(args);
			if (args !== "" && !history) throw new CommandUsageError(STATUS_USAGE);
			const supervisor = await env.runtime.supervisor();
			if (history) {
				if (!history[1]) throw new CommandUsageError(STATUS_USAGE);
				env.ui.show(HISTORY_WIDGET_KEY, await historyChart(supervisor, history[1], now()));
				return;
			}
			const accounts = supervisor.accounts();
			if (accounts.length === 0) {
				env.ui.notify(NO_ACCOUNTS, "info");
				return;
			}
			// The pool may hold stale usage: poll what nobody else is polling. The TUI's widget is live
			// (answers show as they come); print mode gives them a moment.
			const polling = supervisor.refreshUsage().catch(() => undefined);
			if (env.ui.mode === "tui" && env.session) {
				env.session.showStatus();
				return;
			}
			await polling;
			env.ui.show(STATUS_WIDGET_KEY, renderStatusTable(await statusInput(supervisor, env.sessionKey, now, false)));
		},
	};
}

/**
 * What the status shows, once the first usage polls of a just-started pool are in (or after a
 * moment): what /dispatch-status prints and what `pi-dispatch status [--json]` prints.
 */
export async function statusInput(
	supervisor: Supervisor,
	sessionKey: string,
	now: () => number = Date.now,
	poll = true,
): Promise<StatusTableInput> {
	if (poll) await supervisor.refreshUsage().catch(() => undefined);
	await untilUsageKnown(supervisor, USAGE_WAIT_MS);
	const activeId = supervisor.activeAccount(sessionKey);
	const pinnedId = supervisor.pinnedAccount(sessionKey);
	const accounts = supervisor.accounts();
	const at = now();
	const quota = await loadQuotaView(supervisor.store, accounts, supervisor.settings(), at);
	return {
		accounts,
		session: { ...(activeId ? { activeId } : {}), ...(pinnedId ? { pinnedId } : {}) },
		now: at,
		...storeView(supervisor),
		credits: supervisor.creditsPolicy(),
		...poolView(supervisor),
		...quotaFields(quota, at),
	};
}

/** The account's last 7 days of weekly use as a text chart (the widget's lines). */
export async function historyChart(supervisor: Supervisor, label: string, now: number): Promise<string[]> {
	const account = requireLabel(supervisor.accounts(), label);
	const samples = await supervisor.store.readUsageHistory(account.id, now - HISTORY_DAYS * DAY);
	const usage = account.snapshot.usage;
	const current = usage ? sampleOf(usage) : undefined;
	const points = current && current.at > (samples.at(-1)?.at ?? 0) ? [...samples, current] : samples;
	if (points.every((p) => p.weekly === undefined)) {
		return [
			`${account.label}: no weekly usage recorded yet (one sample a minute is kept while the pool sees usage).`,
		];
	}
	const weekly = points.findLast((p) => p.weekly !== undefined)?.weekly;
	const rate = burnRate(points, now);
	const parts = [
		`${account.label}: weekly use, last ${HISTORY_DAYS} days`,
		...(weekly !== undefined ? [`now ${Math.round(weekly)}%`] : []),
		...(rate !== undefined ? [`burn ${burnText(rate)}`] : []),
	];
	return renderHistoryChart(parts.join(" · "), points, now, { days: HISTORY_DAYS });
}

/** Resolves once every serving account has usage data or an error to show, or after `timeoutMs`. */
function untilUsageKnown(supervisor: Supervisor, timeoutMs: number): Promise<void> {
	const waiting = () =>
		supervisor
			.accounts()
			.some(
				(a) =>
					!a.snapshot.usage &&
					!a.snapshot.lastError &&
					(a.snapshot.state === "ready" || a.snapshot.state === "starting"),
			);
	if (!waiting()) return Promise.resolve();
	return new Promise((resolve) => {
		const done = () => {
			clearTimeout(timer);
			supervisor.off("snapshot", check);
			resolve();
		};
		const check = () => {
			if (!waiting()) done();
		};
		const timer = setTimeout(done, timeoutMs);
		supervisor.on("snapshot", check);
	});
}
