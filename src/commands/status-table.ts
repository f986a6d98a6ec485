/**
 * The /dispatch-status table. At most 10 lines fit pi's widget, so each account is one row and
 * the actor's health sits in the same row.
 */
import { formatLocalTime } from "../dispatch/user-messages.ts";
import type { AccountView } from "../supervisor/supervisor.ts";
import type { UsageWindow } from "../usage/usage-snapshot.ts";
import { type SessionAccounts, stateText } from "./account-state.ts";
import { formatDuration, formatPercent, renderTable, safeOneLine } from "./text-format.ts";

const HEADER = [
	"LABEL",
	"EMAIL",
	"PLAN",
	"STATE",
	"5H USED",
	"WEEKLY USED",
	"USAGE AGE",
	"UPTIME",
	"RESTARTS",
	"IN FLIGHT",
	"LAST ERROR",
];

const LAST_ERROR_WIDTH = 60;

export interface StatusTableInput {
	accounts: readonly AccountView[];
	session: SessionAccounts;
	now: number;
	/** The accounts file, named in the title so a broken file can be found. */
	file: string;
}

export function renderStatusTable(input: StatusTableInput): string[] {
	const { accounts, session, now } = input;
	const count = accounts.length === 1 ? "1 account" : `${accounts.length} accounts`;
	const title = `pi-dispatch: ${count} (${input.file})`;
	const rows = accounts.map((view) => {
		const { snapshot } = view;
		const usage = snapshot.usage;
		return [
			view.label,
			view.email ?? "-",
			view.plan ?? usage?.planType ?? "-",
			stateText(view, session, now),
			windowCell(usage?.primary, now),
			windowCell(usage?.secondary, now),
			usage ? `${formatDuration(now - usage.observedAt)} ago` : "-",
			uptimeCell(snapshot, now),
			String(snapshot.restarts),
			String(snapshot.inFlight),
			snapshot.lastError ? lastErrorCell(snapshot.lastError, snapshot.lastErrorAt, now) : "-",
		];
	});
	return [title, ...renderTable(HEADER, rows)];
}

/** A dormant actor has no thread to be up: it activates when its account needs it. */
function uptimeCell(snapshot: AccountView["snapshot"], now: number): string {
	if (snapshot.activation === "dormant") return "dormant";
	if (snapshot.activation === "activating") return "starting";
	return formatDuration(now - snapshot.startedAt);
}

/** The error with its age, so an old one next to fresh successes reads as history. */
function lastErrorCell(error: string, at: number | undefined, now: number): string {
	const age = at === undefined ? "" : ` (${formatDuration(now - at)} ago)`;
	return `${safeOneLine(error, LAST_ERROR_WIDTH - age.length)}${age}`;
}

/** "40% (18:40)": used share and when the window resets. */
function windowCell(window: UsageWindow | undefined, now: number): string {
	if (!window) return "-";
	const percent = formatPercent(window.usedPercent);
	return window.resetsAt !== undefined ? `${percent} (${formatLocalTime(window.resetsAt, now)})` : percent;
}
