/**
 * `pi-dispatch use <label>`: a pin belongs to one pi session, so the shell cannot set one in a pi
 * it did not start. It checks the account and prints `PI_DISPATCH_USE=<label>`: pi processes
 * started with that variable (`env $(pi-dispatch use work) pi -p …`) begin every session pinned to
 * it, as after /dispatch-use, until it runs out.
 */
import { requireLabel } from "../commands/account-lookup.ts";
import { accountStanding, isUsable, standingText } from "../commands/account-state.ts";
import type { CommandEnv } from "../commands/command-env.ts";
import { AccountUnavailableError, CommandUsageError } from "../commands/command-errors.ts";
import { NoAccountsError } from "../errors.ts";
import { STDIO } from "./cli-ui.ts";

export async function useInShell(label: string, json: boolean, env: CommandEnv, now = Date.now()): Promise<void> {
	const supervisor = await env.runtime.supervisor();
	const accounts = supervisor.accounts();
	if (accounts.length === 0) throw new NoAccountsError();
	if (label === "" || /\s/.test(label)) {
		throw new CommandUsageError(
			`Usage: pi-dispatch use <label>. Accounts: ${accounts.map((a) => a.label).join(", ")}.`,
		);
	}
	const account = requireLabel(accounts, label);
	const standing = accountStanding(account, {}, now);
	if (!isUsable(standing)) throw new AccountUnavailableError(account.label, standingText(standing, now));
	const assignment = `PI_DISPATCH_USE=${account.label}`;
	STDIO.out(
		json
			? `${JSON.stringify({ label: account.label, state: standingText(standing, now), env: assignment })}\n`
			: `${assignment}\n`,
	);
}
