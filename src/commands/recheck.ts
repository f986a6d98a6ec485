/**
 * /dispatch-recheck [label]: ask the service for an account's usage now (every account without a
 * label), through the account's actor, as the pool's own polls do; when the answer shows room (an
 * early reset, credits bought) the account's cooldown ends in every process.
 */

import { NoAccountsError } from "../errors.ts";
import type { AccountView } from "../supervisor/supervisor.ts";
import { longestWindow } from "../usage/usage-snapshot.ts";
import { completeLabels, requireLabel } from "./account-lookup.ts";
import { accountStanding, standingText } from "./account-state.ts";
import type { DispatchCommand } from "./command-env.ts";
import { formatPercent, safeOneLine } from "./text-format.ts";

/** What one recheck found, for the shell's `--json` too. */
export interface RecheckOutcome {
	label: string;
	/** The account's standing after the answer: "available", "cooling down until …", "needs login", … */
	state: string;
	/** The long (weekly) window's used share the service gave, when it answered. */
	weeklyUsedPercent?: number;
	/** The service answered (false: timeout or error; `error` then says what, when known). */
	answered: boolean;
	error?: string;
}

export async function recheckAccounts(
	supervisor: {
		accounts(): AccountView[];
		recheck(id: string, timeoutMs?: number): Promise<AccountView | undefined>;
	},
	label: string,
	now: () => number = Date.now,
): Promise<RecheckOutcome[]> {
	const accounts = supervisor.accounts();
	if (accounts.length === 0) throw new NoAccountsError();
	const chosen = label === "" ? accounts : [requireLabel(accounts, label)];
	const asked = now();
	return Promise.all(
		chosen.map(async (account) => {
			const view = (await supervisor.recheck(account.id)) ?? account;
			const usage = view.snapshot.usage;
			const answered = usage !== undefined && usage.source === "poll" && usage.observedAt >= asked;
			const error = (view.snapshot.lastErrorAt ?? 0) >= asked ? view.snapshot.lastError : undefined;
			const weekly = answered ? longestWindow(usage)?.usedPercent : undefined;
			return {
				label: view.label,
				state: standingText(accountStanding(view, {}, now()), now()),
				answered,
				...(weekly !== undefined ? { weeklyUsedPercent: weekly } : {}),
				...(error ? { error: safeOneLine(error, 200) } : {}),
			};
		}),
	);
}

export function recheckLine(outcome: RecheckOutcome): string {
	const weekly =
		outcome.weeklyUsedPercent !== undefined ? `, weekly ${formatPercent(outcome.weeklyUsedPercent)} used` : "";
	const heard = outcome.answered ? "" : outcome.error ? ` (no answer: ${outcome.error})` : " (no answer yet)";
	return `${outcome.label}: ${outcome.state}${weekly}${heard}`;
}

export function recheckCommand(now: () => number = Date.now): DispatchCommand {
	return {
		name: "dispatch-recheck",
		description:
			"Ask the service for an account's usage now; ends its cooldown if it can serve: /dispatch-recheck [label]",
		complete: (prefix, env) => completeLabels(prefix, env.runtime),
		async run(args, env) {
			const supervisor = await env.runtime.supervisor();
			const outcomes = await recheckAccounts(supervisor, args, now);
			env.session?.refresh();
			env.ui.notify(outcomes.map(recheckLine).join("\n"), "info");
		},
	};
}
