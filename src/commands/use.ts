/**
 * /dispatch-use [label]: pin an account for this pi session. The pin holds until the account runs
 * out (or needs a login); the supervisor then clears it and the session watch says so once.
 */
import { NoAccountsError } from "../errors.ts";
import type { AccountView } from "../supervisor/supervisor.ts";
import { completeLabels, requireLabel } from "./account-lookup.ts";
import { accountStanding, isUsable, standingText } from "./account-state.ts";
import type { DispatchCommand } from "./command-env.ts";
import { AccountUnavailableError, CommandUsageError } from "./command-errors.ts";
import { longWindowText } from "./text-format.ts";

export function useCommand(now: () => number = Date.now): DispatchCommand {
	return {
		name: "dispatch-use",
		description: "Use one account for this session until it runs out: /dispatch-use [label]",
		complete: (prefix, env) => completeLabels(prefix, env.runtime),
		async run(args, env) {
			const supervisor = await env.runtime.supervisor();
			const accounts = supervisor.accounts();
			if (accounts.length === 0) throw new NoAccountsError();
			const session = {
				activeId: supervisor.activeAccount(env.sessionKey),
				pinnedId: supervisor.pinnedAccount(env.sessionKey),
			};
			let label = args;
			if (label === "") {
				if (!env.ui.hasDialogs) {
					throw new CommandUsageError(
						`Usage: /dispatch-use <label>. Accounts: ${accounts.map((a) => a.label).join(", ")}.`,
					);
				}
				const options = accounts.map((a) => pickerOption(a, session, now()));
				const picked = await env.ui.select("Use which Codex account in this session?", options);
				if (picked === undefined) return;
				label = accounts[options.indexOf(picked)]?.label ?? "";
			}
			const account = requireLabel(accounts, label);
			const standing = accountStanding(account, session, now());
			if (!isUsable(standing)) throw new AccountUnavailableError(account.label, standingText(standing, now()));
			supervisor.pin(env.sessionKey, account.id);
			env.session?.refresh();
			env.ui.notify(
				`This session now uses ${account.label} until it runs out of quota; then pi-dispatch rotates again.`,
				"info",
			);
		},
	};
}

/** "account-2  fresh@example.com · available · week 12%" */
function pickerOption(view: AccountView, session: { activeId?: string; pinnedId?: string }, now: number): string {
	const parts = [standingText(accountStanding(view, session, now), now)];
	const long = longWindowText(view.snapshot.usage);
	if (long !== undefined) parts.push(long);
	const who = view.email ? `  ${view.email}` : "";
	return `${view.label}${who} · ${parts.join(" · ")}`;
}
