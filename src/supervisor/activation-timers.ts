/**
 * When a virtual actor changes between dormant and active on its own: a dormant one that was sent
 * something to learn activates in the background (at once for urgent news, else a moment after
 * the account's streams here have ended, or after a while if they never do); an active one with
 * nothing to do for `idleMs` deactivates.
 */

/** Observations of an account that streams here without pause activate its actor after this long. */
const WAIT_WHILE_BUSY_MS = 5000;
/**
 * Observations wait this long after the account's last stream here before they activate its actor:
 * a `pi -p` that has its answer exits first (no thread started only to be stopped), a session
 * that goes on has its actor by the next turn.
 */
const QUIET_BEFORE_ACTIVATION_MS = 1000;

export interface ActivationHooks {
	idleMs: number;
	/** Streams on the account in flight here. */
	inFlight(): number;
	/** The actor is dormant and may be activated. */
	canActivate(): boolean;
	activate(): void;
	/** The actor is active and may deactivate. */
	canDeactivate(): boolean;
	/** Work is waiting or running (streams, leases, kept messages, a restart): not idle. */
	busy(): boolean;
	deactivate(): void;
}

export class ActivationTimers {
	readonly #hooks: ActivationHooks;
	#wantSince: number | undefined;
	#quiet: NodeJS.Timeout | undefined;
	#idle: NodeJS.Timeout | undefined;

	constructor(hooks: ActivationHooks) {
		this.#hooks = hooks;
	}

	/** Messages wait for the dormant actor; `urgent` (news other processes must hear): activate now. */
	want(urgent: boolean): void {
		this.#wantSince ??= Date.now();
		this.streamEnded(urgent);
	}

	/** A stream ended (or news arrived): activate if messages wait and it is time. */
	streamEnded(urgent = false): void {
		const since = this.#wantSince;
		if (since === undefined || !this.#hooks.canActivate()) return;
		const activate = () => {
			if (this.#wantSince !== undefined && this.#hooks.canActivate()) this.#hooks.activate();
		};
		if (urgent || Date.now() - since >= WAIT_WHILE_BUSY_MS) {
			setImmediate(activate);
		} else if (this.#hooks.inFlight() === 0 && !this.#quiet) {
			this.#quiet = setTimeout(() => {
				this.#quiet = undefined;
				// A stream began meanwhile: its end looks again.
				if (this.#hooks.inFlight() === 0) activate();
			}, QUIET_BEFORE_ACTIVATION_MS);
			this.#quiet.unref();
		}
	}

	/** The actor is activating: nothing waits for a reason to activate any more. */
	activating(): void {
		this.#wantSince = undefined;
		clearTimeout(this.#quiet);
		this.#quiet = undefined;
	}

	/** Work happened: (re)arm the idle timer of an active actor (twice a request: one timer, refreshed). */
	touch(): void {
		if (!this.#hooks.canDeactivate()) {
			this.#clearIdle();
			return;
		}
		if (this.#idle) {
			this.#idle.refresh();
			return;
		}
		this.#idle = setTimeout(() => {
			this.#idle = undefined;
			if (this.#hooks.busy()) this.touch();
			else this.#hooks.deactivate();
		}, this.#hooks.idleMs);
		this.#idle.unref();
	}

	clear(): void {
		this.#clearIdle();
		this.activating();
	}

	#clearIdle(): void {
		clearTimeout(this.#idle);
		this.#idle = undefined;
	}
}
