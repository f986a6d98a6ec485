/**
 * OTP-style restart intensity: at most `intensity` restarts within `periodMs`; past that the
 * supervisor gives up on the actor (the account is skipped) instead of crash-looping.
 */
export interface RestartPolicyOptions {
	intensity: number;
	periodMs: number;
}

export class RestartBudget {
	readonly #options: RestartPolicyOptions;
	// Stryker disable next-line ArrayDeclaration: a non-number entry has a NaN age and is dropped by the first crash's filter
	#crashes: number[] = [];

	constructor(options: RestartPolicyOptions) {
		this.#options = options;
	}

	/** Records a crash at `now`; false when the budget is spent and the actor should stay down. */
	allowRestart(now: number): boolean {
		this.#crashes = this.#crashes.filter((t) => now - t < this.#options.periodMs);
		this.#crashes.push(now);
		return this.#crashes.length <= this.#options.intensity;
	}
}
