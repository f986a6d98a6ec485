/**
 * /dispatch-credits [never|last-resort]: whether pi-dispatch may run an account on its credits once
 * its plan quota is spent. The setting lives in the pool, so every pi process sharing it agrees;
 * `PI_DISPATCH_CREDITS` overrides it for one process.
 */
import type { CreditsPolicy } from "../store/account-record.ts";
import type { DispatchCommand } from "./command-env.ts";
import { CommandUsageError } from "./command-errors.ts";

const POLICIES: readonly CreditsPolicy[] = ["last-resort", "never"];

const MEANING: Record<CreditsPolicy, string> = {
	"last-resort": "an account past its plan quota serves on its credits only when no account has quota left",
	never: "pi-dispatch spends no credits: an account past its plan quota waits for its reset",
};

export function creditsCommand(): DispatchCommand {
	return {
		name: "dispatch-credits",
		description: "Whether accounts may run on their credits: /dispatch-credits [last-resort|never]",
		complete: (prefix) => POLICIES.filter((p) => p.startsWith(prefix.trim())),
		async run(args, env) {
			const supervisor = await env.runtime.supervisor();
			if (args !== "") {
				if (!POLICIES.includes(args as CreditsPolicy)) {
					throw new CommandUsageError(
						"Usage: /dispatch-credits, /dispatch-credits last-resort or /dispatch-credits never.",
					);
				}
				await supervisor.setCreditsPolicy(args as CreditsPolicy);
			}
			const policy = supervisor.creditsPolicy();
			const override =
				supervisor.creditsPolicySource() === "environment"
					? " (PI_DISPATCH_CREDITS overrides the pool's setting here)"
					: "";
			env.ui.notify(`Credits: ${policy}: ${MEANING[policy]}${override}.`, "info");
		},
	};
}
