import { DispatchError } from "../errors.ts";

/** A command was called with arguments it cannot use; the message says how to call it. */
export class CommandUsageError extends DispatchError {
	override readonly code = "E_COMMAND_USAGE";
	override name = "CommandUsageError";
}

/** /dispatch-use named an account that cannot serve right now. */
export class AccountUnavailableError extends DispatchError {
	override readonly code = "E_ACCOUNT_UNAVAILABLE";
	override name = "AccountUnavailableError";
	readonly label: string;
	constructor(label: string, why: string) {
		super(`${label} cannot be used now: ${why}. Pick another account (see /dispatch-status).`);
		this.label = label;
	}
}
