/**
 * /dispatch-status: the pool as a table. In the TUI it is a live widget above the editor
 * (`/dispatch-status hide` closes it); in print and RPC mode the same lines are printed once.
 */

import { loadQuotaView } from "../quota/quota-view.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import type { DispatchCommand } from "./command-env.ts";
import { CommandUsageError } from "./command-errors.ts";
import { STATUS_WIDGET_KEY } from "./session-watch.ts";
import { poolView, quotaFields, renderStatusTable, type StatusTableInput } from "./status-table.ts";

/** How long a one-shot status waits for the first usage polls of a just-started pool. */
const USAGE_WAIT_MS = 2000;

const NO_ACCOUNTS = "pi-dispatch has no Codex accounts yet. Run /dispatch-login to add one, or /dispatch-import.";

export function statusCommand(now: () => number = Date.now): DispatchCommand {
	return {
		name: "dispatch-status",
		description: "Show the Codex accounts, their quota and health (/dispatch-status hide closes it)",
		complete: (prefix) => (["hide"].some((w) => w.startsWith(prefix.trim())) ? ["hide"] : []),
		async run(args, env) {
			if (args === "hide") {
				if (env.session) env.session.hideStatus();
				else env.ui.show(STATUS_WIDGET_KEY, undefined);
				return;
			}
			if (args !== "") throw new CommandUsageError("Usage: /dispatch-status, or /dispatch-status hide.");
			const supervisor = await env.runtime.supervisor();
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
		file: supervisor.store.file,
		credits: supervisor.creditsPolicy(),
		...poolView(supervisor),
		...quotaFields(quota, at),
	};
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
