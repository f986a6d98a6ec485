/**
 * Catches a store call made from inside the store's own callback: `update` inside an update's
 * `mutate`, an account lock inside `mutate`, or the same account's lock inside its own lock. Each
 * would deadlock (or retry forever) instead of failing, so the store throws StoreLockReentryError.
 *
 * Only the callback's synchronous part is watched. AsyncLocalStorage would follow it across awaits
 * too, but on Node 22 a single AsyncLocalStorage that has run turns on a promise hook for every
 * promise the process makes from then on: pi's, pi-ai's, the TUI's. Measured on pi-ai's Codex
 * request alone: +115 µs of main-thread CPU per request (about +10 %), in every pi process that
 * loads pi-dispatch. No caller makes a store call after an await inside these callbacks.
 */
export class ReentryGuard {
	#mutating = 0;
	readonly #held = new Set<string>();

	/** True while an update's `mutate` runs (its synchronous part). */
	get inUpdate(): boolean {
		return this.#mutating > 0;
	}

	/** Whether the lock `name` is held by the callback running now (its synchronous part). */
	holds(name: string): boolean {
		return this.#held.has(name);
	}

	/** Runs an update's `mutate`; a promise it returns is handed back unawaited. */
	mutate<T>(fn: () => T): T {
		this.#mutating++;
		try {
			return fn();
		} finally {
			this.#mutating--;
		}
	}

	/** Runs a lock's callback while `name` counts as held. */
	holding<T>(name: string, fn: () => T): T {
		this.#held.add(name);
		try {
			return fn();
		} finally {
			this.#held.delete(name);
		}
	}
}
