/**
 * The /dispatch-status table. At most 10 lines fit pi's widget, so each account is one row and
 * the actor's health sits in the same row.
 */
import { formatLocalTime } from "../dispatch/user-messages.ts";
import type { CreditsPolicy } from "../store/account-record.ts";
import type { AccountView } from "../supervisor/supervisor.ts";
import {
	isOnCredits,
	type LimitUsage,
	type UsageSnapshot,
	type UsageWindow,
	usageWindows,
	windowLabel,
} from "../usage/usage-snapshot.ts";
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
	/** The credits policy in force (default "last-resort"): says whether an account on credits serves. */
	credits?: CreditsPolicy;
}

export function renderStatusTable(input: StatusTableInput): string[] {
	const { accounts, session, now } = input;
	const count = accounts.length === 1 ? "1 account" : `${accounts.length} accounts`;
	const title = `pi-dispatch: ${count} (${input.file})`;
	const rows = accounts.flatMap((view) => {
		const { snapshot } = view;
		const usage = snapshot.usage;
		const [short, long] = columnsByLength(usage);
		const standing = stateText(view, session, now);
		const row = [
			view.label,
			view.email ?? "-",
			view.plan ?? usage?.planType ?? "-",
			isOnCredits(usage) && standing === "available" ? creditsState(usage, input.credits) : standing,
			windowCell(short, now, SHORT_MINUTES),
			windowCell(long, now, LONG_MINUTES),
			usage ? `${formatDuration(now - usage.observedAt)} ago` : "-",
			uptimeCell(snapshot, now),
			String(snapshot.restarts),
			String(snapshot.inFlight),
			snapshot.lastError ? lastErrorCell(snapshot.lastError, snapshot.lastErrorAt, now) : "-",
		];
		return [row, ...(usage?.limits ?? []).map((limit) => limitRow(limit, snapshot.limitCooldowns?.[limit.id], now))];
	});
	return [title, ...renderTable(HEADER, rows)];
}

const SHORT_MINUTES = 300;
const LONG_MINUTES = 10080;

/**
 * The windows by length, not by the service's slot: a day or less is the short column, longer is
 * the long one (a Free plan's only window is weekly, and comes as "primary").
 */
function columnsByLength(
	usage: Pick<UsageSnapshot, "primary" | "secondary"> | undefined,
): [UsageWindow?, UsageWindow?] {
	const windows = usageWindows(usage);
	const long = windows.filter((w) => w.windowMinutes > 1440).at(-1);
	const short = windows.find((w) => w !== long);
	return [short, long];
}

/** A per-model limit under its account: "  └ gpt-5.3-codex-spark" with its own windows and cooldown. */
function limitRow(limit: LimitUsage, cooldownUntil: number | undefined, now: number): string[] {
	const [short, long] = columnsByLength(limit);
	const state =
		cooldownUntil !== undefined && cooldownUntil > now
			? `cooling down until ${formatLocalTime(cooldownUntil, now)}`
			: "";
	return [
		`  └ ${safeOneLine(limit.name ?? limit.id, 30)}`,
		"",
		"",
		state,
		windowCell(short, now, SHORT_MINUTES),
		windowCell(long, now, LONG_MINUTES),
		"",
		"",
		"",
		"",
		"",
	];
}

/** An account whose plan quota is spent but whose credits would pay: whether it serves depends on the policy. */
function creditsState(usage: UsageSnapshot | undefined, policy: CreditsPolicy | undefined): string {
	return policy === "never"
		? `plan quota used; credits not spent (/dispatch-credits)${creditsBalance(usage)}`
		: `available (on credits${creditsBalance(usage)})`;
}

function creditsBalance(usage: UsageSnapshot | undefined): string {
	if (usage?.credits?.unlimited) return ", unlimited";
	return usage?.credits?.balance !== undefined ? `, balance ${usage.credits.balance}` : "";
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

/** "40% (18:40)": used share and when the window resets; "30d 12% (…)" when its length is not the column's. */
function windowCell(window: UsageWindow | undefined, now: number, columnMinutes: number): string {
	if (!window) return "-";
	const label = window.windowMinutes === columnMinutes ? "" : `${windowLabel(window.windowMinutes)} `;
	const percent = `${label}${formatPercent(window.usedPercent)}`;
	return window.resetsAt !== undefined ? `${percent} (${formatLocalTime(window.resetsAt, now)})` : percent;
}
