/** The footer entry: which account this session uses, and how much of its week is spent. */
import { formatLocalTime } from "../dispatch/user-messages.ts";
import type { AccountView } from "../supervisor/supervisor.ts";
import { accountStanding, isUsable, type SessionAccounts } from "./account-state.ts";
import { longWindowText } from "./text-format.ts";

export function footerText(accounts: readonly AccountView[], session: SessionAccounts, now: number): string {
	if (accounts.length === 0) return "codex: no accounts (/dispatch-login)";
	const active = accounts.find((a) => a.id === session.activeId);
	if (active && isUsable(accountStanding(active, session, now))) {
		const pinned = active.id === session.pinnedId ? ", pinned" : "";
		const long = longWindowText(active.snapshot.usage);
		const used = long !== undefined ? ` · ${long}` : "";
		return `codex: ${active.label}${pinned}${used}`;
	}
	const standings = accounts.map((a) => accountStanding(a, session, now));
	const usable = standings.filter(isUsable).length;
	if (usable > 0) return `codex: ${usable}/${accounts.length} accounts ready`;
	const resets = standings.flatMap((s) => (s.kind === "cooling-down" && s.until !== undefined ? [s.until] : []));
	return resets.length > 0
		? `codex: no account ready until ${formatLocalTime(Math.min(...resets), now)}`
		: "codex: no account ready (/dispatch-status)";
}
