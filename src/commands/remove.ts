/** /dispatch-remove <label>: forget an account (after a confirmation, or with --yes where no dialog exists). */
import { capsOfKnown } from "../quota/caps.ts";
import { completeLabels, requireLabel } from "./account-lookup.ts";
import type { DispatchCommand } from "./command-env.ts";
import { CommandUsageError } from "./command-errors.ts";

const YES = new Set(["--yes", "-y"]);

export function removeCommand(): DispatchCommand {
	return {
		name: "dispatch-remove",
		description: "Remove an account from the pool: /dispatch-remove <label> [--yes]",
		complete: (prefix, env) => completeLabels(prefix, env.runtime),
		async run(args, env) {
			const words = args.split(/\s+/).filter(Boolean);
			const yes = words.some((w) => YES.has(w));
			const rest = words.filter((w) => !YES.has(w));
			if (rest.length > 1) throw new CommandUsageError("Usage: /dispatch-remove <label> [--yes].");
			const supervisor = await env.runtime.supervisor();
			const { accounts } = await supervisor.store.read();
			let label: string | undefined = rest[0];
			if (label === undefined) {
				if (!env.ui.hasDialogs || accounts.length === 0) {
					const known = accounts.length > 0 ? ` Accounts: ${accounts.map((a) => a.label).join(", ")}.` : "";
					throw new CommandUsageError(`Usage: /dispatch-remove <label> [--yes].${known}`);
				}
				label = await env.ui.select(
					"Remove which Codex account?",
					accounts.map((a) => a.label),
				);
				if (label === undefined) return;
			}
			const account = requireLabel(accounts, label);
			const who = account.email ? `${account.label} (${account.email})` : account.label;
			if (!yes) {
				if (!env.ui.hasDialogs) {
					throw new CommandUsageError(`Add --yes to remove ${account.label} without a confirmation dialog.`);
				}
				const sure = await env.ui.confirm(
					`Remove ${who}?`,
					"pi-dispatch forgets this login. The ChatGPT account itself is not touched; /dispatch-login adds it back.",
				);
				if (!sure) {
					env.ui.notify(`Kept ${account.label}; nothing was removed.`, "info");
					return;
				}
			}
			const removed = await supervisor.store.update((data) => {
				const before = data.accounts.length;
				data.accounts = data.accounts.filter((a) => a.id !== account.id);
				delete data.state[account.id];
				// Its own caps go with it (a login of the same account later starts without them).
				if (data.settings?.caps?.accounts?.[account.id]) {
					const caps = capsOfKnown(data.settings.caps, new Set(data.accounts.map((a) => a.id)));
					if (caps && Object.keys(caps).length > 0) data.settings.caps = caps;
					else delete data.settings.caps;
				}
				return data.accounts.length < before;
			});
			await supervisor.reload();
			env.ui.notify(removed ? `Removed ${who}.` : `${account.label} was already removed.`, "info");
		},
	};
}
