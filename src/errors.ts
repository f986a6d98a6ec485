/**
 * One base class, leaves with a literal `name` and a stable `code` (undici's shape). Tests assert
 * `{ name, code }`, never message text. Messages never contain a token.
 */
export class DispatchError extends Error {
	readonly code: string = "E_DISPATCH";
	override name = "DispatchError";
}

/** No account is configured at all. */
export class NoAccountsError extends DispatchError {
	override readonly code = "E_NO_ACCOUNTS";
	override name = "NoAccountsError";
	constructor() {
		super("pi-dispatch has no Codex accounts yet. Run /dispatch-login to add one (or /dispatch-import).");
	}
}

/** Every account is exhausted, needs a login, or is down. Worded so pi's auto-retry does not spin. */
export class AllAccountsUnavailableError extends DispatchError {
	override readonly code = "E_ALL_UNAVAILABLE";
	override name = "AllAccountsUnavailableError";
	readonly earliestResetAt: number | undefined;
	constructor(message: string, earliestResetAt: number | undefined) {
		super(message);
		this.earliestResetAt = earliestResetAt;
	}
}

/** A label the user typed does not name an account. */
export class UnknownLabelError extends DispatchError {
	override readonly code = "E_UNKNOWN_LABEL";
	override name = "UnknownLabelError";
	constructor(label: string, known: readonly string[]) {
		super(
			known.length === 0
				? `No account is labelled "${label}": there are no accounts yet. Run /dispatch-login.`
				: `No account is labelled "${label}". Known labels: ${known.join(", ")}.`,
		);
	}
}

/** A label is empty, has whitespace, is too long, or is taken. */
export class InvalidLabelError extends DispatchError {
	override readonly code = "E_INVALID_LABEL";
	override name = "InvalidLabelError";
}

/** The refresh token was rejected (`invalid_grant`, `refresh_token_reused`): only a new login helps. */
export class NeedsLoginError extends DispatchError {
	override readonly code = "E_NEEDS_LOGIN";
	override name = "NeedsLoginError";
}

/** A transient failure talking to the token or usage endpoint (network, 5xx). Retried with backoff. */
export class TransientUpstreamError extends DispatchError {
	override readonly code = "E_TRANSIENT_UPSTREAM";
	override name = "TransientUpstreamError";
	readonly status: number | undefined;
	constructor(message: string, status?: number, options?: ErrorOptions) {
		super(message, options);
		this.status = status;
	}
}

/** An account actor's worker thread exited or threw. */
export class ActorCrashedError extends DispatchError {
	override readonly code = "E_ACTOR_CRASHED";
	override name = "ActorCrashedError";
}

/** The actor crashed too often within the restart period; the account is skipped. */
export class ActorGaveUpError extends DispatchError {
	override readonly code = "E_ACTOR_GAVE_UP";
	override name = "ActorGaveUpError";
}

/** The actor speaks another protocol version (an old worker file next to a new supervisor). */
export class ProtocolMismatchError extends DispatchError {
	override readonly code = "E_PROTOCOL";
	override name = "ProtocolMismatchError";
}

/** Short text of any thrown value, for a one-line message. */
export function describeError(error: unknown): string {
	if (error instanceof Error) return error.message;
	return String(error);
}
