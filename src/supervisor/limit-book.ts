/**
 * Per-model limits (`x-codex-active-limit`: `codex_bengalfox`, `codex_other`, …): a 429 that names
 * one of them spends that limit only, so the account stays routable for models that count against
 * other limits. The book learns which model counts against which limit from the answers, and keeps
 * each account's spent limits until they reset. What it learns goes to the store (the supervisor
 * shares it), and what other processes learnt comes back through `adopt`.
 */
import type { SharedAccountState } from "../store/account-record.ts";

export class LimitBook {
	/** model id → limit id, as the answers said. */
	readonly #modelLimits = new Map<string, string>();
	/** account id → limit id → epoch ms until. */
	readonly #cooldowns = new Map<string, Record<string, number>>();

	/** The limit `model` counts against, when an answer said it is not the main one. */
	limitOf(model: string | undefined): string | undefined {
		// Stryker disable next-line ConditionalExpression: no model is keyed undefined
		return model === undefined ? undefined : this.#modelLimits.get(model);
	}

	/** True when this is news (worth sharing). */
	learnModel(model: string, limit: string): boolean {
		if (this.#modelLimits.get(model) === limit) return false;
		if (limit === "codex") return this.#modelLimits.delete(model);
		this.#modelLimits.set(model, limit);
		return true;
	}

	exhaust(accountId: string, limit: string, until: number): void {
		const limits = this.#cooldowns.get(accountId) ?? {};
		// Stryker disable next-line EqualityOperator: an equal end written again is the same end
		if ((limits[limit] ?? 0) < until) limits[limit] = until;
		this.#cooldowns.set(accountId, limits);
	}

	/** What the store holds (this and other processes' findings). */
	adopt(accountId: string, shared: SharedAccountState): void {
		for (const [model, limit] of Object.entries(shared.limitModels ?? {})) this.learnModel(model, limit);
		for (const [limit, until] of Object.entries(shared.limitCooldowns ?? {})) this.exhaust(accountId, limit, until);
	}

	/** The account's limits still spent at `now`, or undefined when none is. */
	active(accountId: string, now: number): Record<string, number> | undefined {
		const limits = this.#cooldowns.get(accountId);
		if (!limits) return undefined;
		const live = Object.fromEntries(Object.entries(limits).filter(([, until]) => until > now));
		if (Object.keys(live).length === 0) {
			// Stryker disable next-line all: memory only; ended entries are filtered out either way
			this.#cooldowns.delete(accountId);
			return undefined;
		}
		return live;
	}

	forget(accountId: string): void {
		this.#cooldowns.delete(accountId);
	}
}
