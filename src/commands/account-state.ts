/** How one account stands, in the words /dispatch-status, the footer and the picker use. */
import { formatLocalTime } from "../dispatch/user-messages.ts";
import type { AccountView } from "../supervisor/supervisor.ts";
import { MODEL_NOT_ON_PLAN, PLAN_HAS_NO_CODEX, WORKSPACE_DEACTIVATED } from "../usage/upstream-failure.ts";
import { exhaustedUntil, isUsageExhausted } from "../usage/usage-snapshot.ts";

/** Cooldown reasons that are not about quota: shown as the account's state, in these words. */
const REFUSAL_REASONS = new Set([WORKSPACE_DEACTIVATED, PLAN_HAS_NO_CODEX, "refused access (403)"]);

export type AccountStanding =
	| { kind: "active"; pinned: boolean }
	| { kind: "available" }
	| { kind: "cooling-down"; until: number | undefined }
	| { kind: "refused"; reason: string; until: number | undefined }
	| { kind: "needs-login" }
	| { kind: "login-not-saved"; reason: string }
	| { kind: "restarting" }
	| { kind: "starting" }
	| { kind: "down" };

export interface SessionAccounts {
	/** The account this session used last (or pinned). */
	activeId?: string;
	pinnedId?: string;
}

export function accountStanding(view: AccountView, session: SessionAccounts, now: number): AccountStanding {
	const { snapshot } = view;
	switch (snapshot.state) {
		case "needs-login":
			return { kind: "needs-login" };
		case "restarting":
			return { kind: "restarting" };
		case "starting":
			return { kind: "starting" };
		case "gave-up":
			return { kind: "down" };
		default:
			break;
	}
	// Live tokens only in memory; the store holds a spent one. Never shown as plainly available.
	if (snapshot.loginNotSaved) return { kind: "login-not-saved", reason: snapshot.loginNotSaved };
	if (snapshot.cooldownUntil !== undefined && snapshot.cooldownUntil > now) {
		const reason = snapshot.cooldownReason;
		if (reason !== undefined && REFUSAL_REASONS.has(reason)) {
			return { kind: "refused", reason, until: snapshot.cooldownUntil };
		}
		return { kind: "cooling-down", until: snapshot.cooldownUntil };
	}
	if (snapshot.state === "cooling-down") return { kind: "cooling-down", until: snapshot.cooldownUntil };
	if (isUsageExhausted(snapshot.usage)) {
		const until = exhaustedUntil(snapshot.usage);
		if (until === undefined || until > now) return { kind: "cooling-down", until };
	}
	if (view.id === session.activeId) return { kind: "active", pinned: view.id === session.pinnedId };
	return { kind: "available" };
}

export function standingText(standing: AccountStanding, now: number): string {
	switch (standing.kind) {
		case "active":
			return standing.pinned ? "active here (pinned)" : "active here";
		case "available":
			return "available";
		case "cooling-down":
			return standing.until !== undefined
				? `cooling down until ${formatLocalTime(standing.until, now)}`
				: "cooling down";
		case "refused":
			return standing.until !== undefined
				? `${standing.reason} (checked again ${formatLocalTime(standing.until, now)})`
				: standing.reason;
		case "needs-login":
			return "needs login";
		case "login-not-saved":
			return `login not saved: ${standing.reason}`;
		case "restarting":
			return "restarting";
		case "starting":
			return "starting";
		case "down":
			return "down (keeps crashing)";
	}
}

/** True when the account can take a request now. */
export function isUsable(standing: AccountStanding): boolean {
	return standing.kind === "active" || standing.kind === "available" || standing.kind === "login-not-saved";
}

/** The STATE cell: the standing, plus the models this account's plan refused. */
export function stateText(view: AccountView, session: SessionAccounts, now: number): string {
	const text = standingText(accountStanding(view, session, now), now);
	return view.refusedModels?.length ? `${text}; ${MODEL_NOT_ON_PLAN}: ${view.refusedModels.join(", ")}` : text;
}
