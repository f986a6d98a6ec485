/**
 * The account actor's logic, free of worker plumbing so it can be unit-tested in one thread.
 * It owns, for one account while it is active: the credentials and their refresh, the usage
 * picture, the cooldown timer and the health numbers. Every change goes out as a snapshot; tokens
 * go out only in `token`/`lease-granted` messages, never in a snapshot. It polls `wham/usage` only
 * when told (the supervisor holds the pool-wide poll lease) or to check a guessed cooldown, and
 * on `shutdown` (deactivation) it shares what the store does not know yet before it ends.
 */
import { LRUCache } from "lru-cache";
import { describeError, NeedsLoginError } from "../src/errors.ts";
import type {
	ActorConfig,
	ActorReport,
	ActorState,
	ActorToSupervisorBody,
	ResponseObservation,
	SupervisorToActor,
} from "../src/protocol/messages.ts";
import { toWireError } from "../src/protocol/wire-error.ts";
import type { AccountCredentials, SharedAccountState } from "../src/store/account-record.ts";
import { usageFromHeaders } from "../src/usage/rate-limit-headers.ts";
import type { SharedPatch } from "../src/usage/shared-state-merge.ts";
import { classifyFailure } from "../src/usage/upstream-failure.ts";
import {
	exhaustedUntil,
	isUsageExhausted,
	resetWindowsDueBy,
	type UsageSnapshot,
} from "../src/usage/usage-snapshot.ts";

/** The actor's reach into the world; the worker entry wires these to HTTP and the store. */
export interface ActorDeps {
	send(message: ActorToSupervisorBody): void;
	/** Refresh (single-flight across processes); resolves to the credentials now current. */
	refresh(known: AccountCredentials): Promise<AccountCredentials>;
	fetchUsage(credentials: AccountCredentials): Promise<UsageSnapshot | undefined>;
	persistShared(patch: SharedPatch): Promise<void>;
	persistNeedsLogin(reason: string): Promise<void>;
	now(): number;
	/** Why rotated tokens live only in memory (the store refused them), or undefined when saved. */
	loginNotSaved?(): string | undefined;
	/** True for credentials the store still holds but a refresh already spent (while not saved). */
	isSpent?(credentials: AccountCredentials): boolean;
	/** Called whenever `loginNotSaved` changes. */
	onLoginSaveChange?(listener: () => void): void;
	/** Flushes store writes in flight (bounded) and releases what the deps hold. */
	close?(): Promise<void>;
}

type StartMessage = Extract<SupervisorToActor, { type: "start" }>;

/** How soon an account guessed exhausted is tried again once its usage shows room. */
const GUESS_RECHECK_MS = 60_000;

export class AccountActor {
	readonly #deps: ActorDeps;
	readonly #config: ActorConfig;
	readonly #accountId: string;
	#label: string;
	#credentials: AccountCredentials;
	#needsLogin: { since: number; reason: string } | undefined;
	#cooldownUntil: number | undefined;
	#cooldownReason: string | undefined;
	/** The cooldown is the fallback guess (nothing said when the account resets). */
	#cooldownGuessed = false;
	/** A guessed cooldown end the usage endpoint proved wrong (the store may still hold it). */
	#retractedGuess: number | undefined;
	/** When the current cooldown was set here (an answer in flight before it proves nothing). */
	#cooldownSetAt = 0;
	#usage: UsageSnapshot | undefined;
	/** A polled or header-fed snapshot counts as fresh for `usageTtlMs`; past that, poll. */
	readonly #freshUsage: LRUCache<"usage", UsageSnapshot>;
	#lastError: string | undefined;
	#lastErrorAt: number | undefined;
	#lastUsagePersist = 0;
	/** The usage learnt here and not yet written to the store (throttled by `usagePersistMs`). */
	#unsharedUsage: UsageSnapshot | undefined;
	/** Store writes under way; deactivation waits for them. */
	readonly #writes = new Set<Promise<unknown>>();
	readonly #startedAt: number;
	readonly #restarts: number;
	#refreshing: Promise<AccountCredentials> | undefined;
	readonly #timers = new Map<"refresh" | "cooldown", NodeJS.Timeout>();
	#stopped = false;
	#publishQueued = false;
	/** The last store state taken in (see `ActorReport.storeSeq`). */
	#storeSeq: number | undefined;

	constructor(start: StartMessage, deps: ActorDeps) {
		this.#deps = deps;
		this.#config = start.config;
		this.#accountId = start.account.id;
		this.#label = start.account.label;
		this.#credentials = start.credentials;
		this.#needsLogin = start.needsLogin;
		this.#restarts = start.restarts;
		this.#startedAt = deps.now();
		// On the actor's clock (`deps.now`), the one usage times are read with, not performance.now().
		this.#freshUsage = new LRUCache({
			max: 1,
			ttl: start.config.usageTtlMs,
			ttlAutopurge: false,
			perf: { now: () => deps.now() },
			// Checked a few times a minute at most: read the clock each time (no cached reading to go stale).
			ttlResolution: 0,
		});
		this.#storeSeq = start.storeSeq;
		this.#adoptShared(start.shared);
		deps.onLoginSaveChange?.(() => this.#publish());
	}

	/** Announces readiness and arms the timers. No poll here: polls are leased across the pool. */
	start(): void {
		this.#deps.send({ type: "ready", snapshot: this.snapshot() });
		this.#pushToken();
		this.#armRefreshTimer();
		this.#armCooldownTimer();
	}

	/**
	 * Stops the timers, shares usage the store has not seen yet, and resolves once every store
	 * write (and a refresh under way, whose new tokens must land) has settled; then lets the
	 * store's own bounded flush finish.
	 */
	async stop(): Promise<void> {
		if (!this.#stopped && this.#unsharedUsage) this.#share({ usage: this.#unsharedUsage });
		this.#stopped = true;
		for (const timer of this.#timers.values()) clearTimeout(timer);
		this.#timers.clear();
		await this.#refreshing?.catch(() => undefined);
		await Promise.allSettled([...this.#writes]);
		await this.#deps.close?.();
	}

	handle(message: SupervisorToActor): void {
		switch (message.type) {
			case "start":
				return; // handled by the entry before construction
			case "lease":
				void this.#lease(message.id, message.rejectedAccess);
				return;
			case "observed":
				this.#observe(message.observation);
				return;
			case "exhausted":
				// No reset time known: guess now, then ask the usage endpoint for the real one.
				this.#coolDown(
					message.until ?? this.#deps.now() + this.#config.fallbackCooldownMs,
					message.reason,
					!message.until,
				);
				if (!message.until) {
					this.#freshUsage.clear();
					void this.#poll();
				}
				this.#publish();
				return;
			case "store-changed":
				this.#label = message.label;
				this.#adoptStored(message.credentials, message.needsLogin);
				this.#adoptShared(message.shared);
				this.#storeSeq = message.storeSeq;
				this.#armCooldownTimer();
				this.#publish();
				return;
			case "poll-usage":
				// This process holds the pool's poll lease. Usage fresher than the store's (from headers,
				// not shared yet) answers it without a call.
				if (message.recheck) {
					this.#freshUsage.clear();
					void this.#poll(true);
				} else if (this.#freshUsage.has("usage") && this.#unsharedUsage)
					this.#share({ usage: this.#unsharedUsage });
				else void this.#poll();
				return;
			case "shutdown":
				return; // the entry awaits stop()
			default: {
				const unknown: never = message;
				this.#noteError(`unknown message ${JSON.stringify(unknown)}`);
			}
		}
	}

	snapshot(): ActorReport {
		return {
			accountId: this.#accountId,
			label: this.#label,
			state: this.#state(),
			...(this.#cooldownUntil !== undefined ? { cooldownUntil: this.#cooldownUntil } : {}),
			...(this.#cooldownReason !== undefined ? { cooldownReason: this.#cooldownReason } : {}),
			...(this.#usage ? { usage: this.#usage } : {}),
			startedAt: this.#startedAt,
			restarts: this.#restarts,
			...(this.#lastError !== undefined ? { lastError: this.#lastError, lastErrorAt: this.#lastErrorAt } : {}),
			tokenExpiresAt: this.#credentials.expiresAt,
			...(this.#deps.loginNotSaved?.() ? { loginNotSaved: this.#deps.loginNotSaved?.() } : {}),
			...(this.#storeSeq !== undefined ? { storeSeq: this.#storeSeq } : {}),
		};
	}

	#state(): ActorState {
		if (this.#needsLogin) return "needs-login";
		if (this.#cooldownUntil !== undefined && this.#cooldownUntil > this.#deps.now()) return "cooling-down";
		return "ready";
	}

	// --- credentials -------------------------------------------------------------------------

	async #lease(id: number, rejectedAccess: string | undefined): Promise<void> {
		try {
			const mustRefresh =
				rejectedAccess === this.#credentials.access ||
				this.#credentials.expiresAt - this.#deps.now() <= this.#config.refreshMarginMs;
			const credentials = mustRefresh ? await this.#refresh() : this.#credentials;
			if (this.#needsLogin)
				throw new NeedsLoginError(`${this.#label} needs a new login: ${this.#needsLogin.reason}`);
			this.#deps.send({ type: "lease-granted", id, access: credentials.access, expiresAt: credentials.expiresAt });
		} catch (error) {
			this.#deps.send({ type: "lease-denied", id, error: toWireError(error) });
		}
	}

	/** One refresh at a time inside the actor; the store's lock makes it one across processes. */
	#refresh(): Promise<AccountCredentials> {
		if (this.#needsLogin) {
			return Promise.reject(new NeedsLoginError(`${this.#label} needs a new login: ${this.#needsLogin.reason}`));
		}
		this.#refreshing ??= this.#deps
			.refresh(this.#credentials)
			.then((credentials) => {
				this.#credentials = credentials;
				this.#pushToken();
				this.#armRefreshTimer();
				this.#publish();
				return credentials;
			})
			.catch(async (error: unknown) => {
				this.#noteError(`refresh failed: ${describeError(error)}`);
				if (error instanceof NeedsLoginError) {
					this.#needsLogin = { since: this.#deps.now(), reason: error.message };
					await this.#deps.persistNeedsLogin(error.message).catch(() => undefined);
				} else {
					// Transient: try again on the next timer tick instead of spinning.
					this.#arm("refresh", Math.min(60_000, this.#config.refreshMarginMs / 2), () => void this.#refresh());
				}
				this.#publish();
				throw error;
			})
			.finally(() => {
				this.#refreshing = undefined;
			});
		return this.#refreshing;
	}

	#armRefreshTimer(): void {
		if (this.#needsLogin) return;
		const due = this.#credentials.expiresAt - this.#config.refreshMarginMs - this.#deps.now();
		this.#arm("refresh", Math.max(0, due), () => void this.#refresh().catch(() => undefined));
	}

	#pushToken(): void {
		if (this.#needsLogin) return;
		this.#deps.send({ type: "token", access: this.#credentials.access, expiresAt: this.#credentials.expiresAt });
	}

	/**
	 * Follows the store: new credentials there (another process refreshed, or a new login) are
	 * adopted with the store's needs-login flag. With the same credentials, needs-login is never
	 * cleared: a store read older than our own "needs login" write must not revive a dead token.
	 */
	#adoptStored(credentials: AccountCredentials, needsLogin: { since: number; reason: string } | undefined): void {
		// The store still holds the token a refresh spent (its write was refused): keep ours.
		if (this.#deps.isSpent?.(credentials)) return;
		const changed =
			credentials.access !== this.#credentials.access || credentials.refresh !== this.#credentials.refresh;
		if (!changed) {
			this.#needsLogin ??= needsLogin;
			return;
		}
		this.#credentials = credentials;
		this.#needsLogin = needsLogin;
		this.#armRefreshTimer();
		this.#pushToken();
	}

	// --- usage and cooldown ------------------------------------------------------------------

	#observe(observation: ResponseObservation): void {
		const now = this.#deps.now();
		const usage = usageFromHeaders(observation.headers, now);
		// An answer under a per-model limit (`x-codex-active-limit`) may carry that limit's numbers in
		// the main family: the account's own windows stay as last seen.
		const perModel = usage?.activeLimit !== undefined;
		if (usage) this.#setUsage(perModel ? { ...withoutMainWindows(usage), ...mainWindows(this.#usage) } : usage);
		const failure =
			observation.status >= 400
				? classifyFailure(observation.status, observation.headers, observation.errorBody, now)
				: undefined;
		// A per-model limit's 429 spends that limit, not the account: the supervisor keeps it by limit,
		// and the account serves its other models.
		const limitOnly = perModel && failure?.kind === "exhausted";
		const cools = (failure?.kind === "exhausted" && !limitOnly) || failure?.kind === "account-refused";
		if (cools || (!perModel && isUsageExhausted(usage))) {
			const known = failure?.resetsAt ?? exhaustedUntil(usage);
			const reason = failure?.reason ?? failure?.code ?? "usage window full";
			this.#coolDown(known ?? now + this.#config.fallbackCooldownMs, reason, !known);
		} else if (observation.status < 400 && !perModel && observation.at - this.#cooldownSetAt >= GUESS_RECHECK_MS) {
			// The service served (a request sent well after the bench began): the bench is over, e.g.
			// an early reset or bought credits.
			this.#endCooldownEarly();
		} else if (failure && !limitOnly) {
			this.#noteError(`HTTP ${observation.status}${failure.code ? ` ${failure.code}` : ""}`);
		}
		this.#publish();
	}

	/** A known reset replaces a guessed one; otherwise only a later reset extends the cooldown. */
	#coolDown(until: number, reason: string, guessed = false): void {
		const current = this.#cooldownUntil;
		const replacesGuess = this.#cooldownGuessed && !guessed;
		if (current !== undefined && current >= until && !replacesGuess) return;
		this.#cooldownGuessed = guessed;
		this.#cooldownUntil = until;
		this.#cooldownSetAt = this.#deps.now();
		this.#cooldownReason = reason;
		this.#armCooldownTimer();
		this.#share({ cooldownUntil: until, cooldownReason: reason, ...(this.#usage ? { usage: this.#usage } : {}) });
	}

	/** Writes to the shared store; tracked so that deactivation can wait for it. */
	#share(patch: SharedPatch): void {
		if (patch.usage && patch.usage === this.#unsharedUsage) this.#unsharedUsage = undefined;
		const write = this.#deps.persistShared(patch).catch((error: unknown) => {
			if (patch.usage && !this.#unsharedUsage) this.#unsharedUsage = patch.usage;
			this.#noteError(
				`could not share ${patch.cooldownUntil !== undefined ? "cooldown" : "usage"}: ${describeError(error)}`,
			);
		});
		this.#writes.add(write);
		void write.finally(() => this.#writes.delete(write));
	}

	/**
	 * The usage endpoint shows room on an account we guessed exhausted (a WebSocket error said
	 * "usage limit" without a reset): try it again soon rather than after the whole fallback.
	 */
	#shortenGuess(): void {
		const recheckAt = this.#deps.now() + Math.min(this.#config.fallbackCooldownMs, GUESS_RECHECK_MS);
		this.#cooldownGuessed = false;
		if (this.#cooldownUntil !== undefined && this.#cooldownUntil > recheckAt) {
			this.#retractedGuess = this.#cooldownUntil;
			this.#cooldownUntil = recheckAt;
			this.#armCooldownTimer();
		}
	}

	/** Ends a cooldown the service proved over, here and in the store (a later one found meanwhile stays). */
	#endCooldownEarly(): void {
		const until = this.#cooldownUntil;
		if (until === undefined || until <= this.#deps.now()) return;
		this.#retractedGuess = Math.max(this.#retractedGuess ?? 0, until);
		this.#cooldownUntil = undefined;
		this.#cooldownReason = undefined;
		this.#cooldownGuessed = false;
		const timer = this.#timers.get("cooldown");
		if (timer) clearTimeout(timer);
		this.#timers.delete("cooldown");
		this.#share({ retractCooldownUpTo: until, ...(this.#usage ? { usage: this.#usage } : {}) });
	}

	#armCooldownTimer(): void {
		const until = this.#cooldownUntil;
		if (until === undefined) return;
		this.#arm("cooldown", Math.max(0, until - this.#deps.now()), () => {
			this.#cooldownUntil = undefined;
			this.#cooldownReason = undefined;
			this.#cooldownGuessed = false;
			// The windows due by now have reset (a timer may fire a millisecond early: use `until`).
			this.#usage = resetWindowsDueBy(this.#usage, until);
			this.#freshUsage.clear();
			this.#publish();
		});
	}

	/** `now`: share at once (a poll other processes wait for), else at most every `usagePersistMs`. */
	#setUsage(usage: UsageSnapshot, now = false): void {
		this.#usage = usage;
		this.#freshUsage.set("usage", usage);
		this.#unsharedUsage = usage;
		const at = this.#deps.now();
		if (now || at - this.#lastUsagePersist >= this.#config.usagePersistMs) {
			this.#lastUsagePersist = at;
			this.#share({ usage });
		}
	}

	#adoptShared(shared: SharedAccountState): void {
		if (shared.usage && (!this.#usage || shared.usage.observedAt > this.#usage.observedAt)) {
			this.#usage = shared.usage;
			// Fresh for what is left of its TTL since it was observed, not since it was read here.
			const left = this.#config.usageTtlMs - (this.#deps.now() - shared.usage.observedAt);
			if (left > 0) this.#freshUsage.set("usage", shared.usage, { ttl: left });
			else this.#freshUsage.delete("usage");
		}
		const until = shared.cooldownUntil;
		// Another process saw the account serve again and retracted the bench in the store.
		if (
			until === undefined &&
			this.#cooldownUntil !== undefined &&
			shared.usage !== undefined &&
			shared.usage.observedAt > this.#cooldownSetAt &&
			!isUsageExhausted(shared.usage)
		) {
			this.#cooldownUntil = undefined;
			this.#cooldownReason = undefined;
			this.#cooldownGuessed = false;
		}
		// The store keeps the later cooldown, so a guess retracted here comes back from it: not news.
		if (until !== undefined && until <= (this.#retractedGuess ?? 0)) return;
		if (until !== undefined && until > this.#deps.now() && (this.#cooldownUntil ?? 0) < until) {
			this.#cooldownUntil = until;
			this.#cooldownReason = shared.cooldownReason;
			// Learnt now: a success that arrives later but was answered before the bench began (a
			// stream in flight when another process met the 429) must not end it.
			this.#cooldownSetAt = this.#deps.now();
		}
	}

	/**
	 * One `wham/usage` call (with a token refreshed first when it is due), shared at once. `recheck`:
	 * the user asked; room in the answer ends any cooldown, however short.
	 */
	async #poll(recheck = false): Promise<void> {
		if (this.#stopped || this.#needsLogin || this.#freshUsage.has("usage")) return;
		try {
			const due = this.#credentials.expiresAt - this.#deps.now() <= this.#config.refreshMarginMs;
			const credentials = due ? await this.#refresh() : this.#credentials;
			const usage = await this.#deps.fetchUsage(credentials);
			if (usage) {
				this.#setUsage(usage, true);
				const until = exhaustedUntil(usage);
				if (isUsageExhausted(usage)) {
					const reason = usage.refused ?? "usage window full";
					this.#coolDown(until ?? this.#deps.now() + this.#config.fallbackCooldownMs, reason, !until);
				} else if (recheck) {
					this.#endCooldownEarly();
				} else if (this.#cooldownGuessed) {
					this.#shortenGuess();
				} else if ((this.#cooldownUntil ?? 0) - this.#deps.now() > this.#config.fallbackCooldownMs) {
					// A long bench re-checked: the usage shows room again (an early reset, bought credits).
					this.#endCooldownEarly();
				}
			}
		} catch (error) {
			this.#noteError(`usage poll failed: ${describeError(error)}`);
		}
		this.#publish();
	}

	#arm(name: "refresh" | "cooldown", delayMs: number, fire: () => void): void {
		if (this.#stopped) return;
		const previous = this.#timers.get(name);
		if (previous) clearTimeout(previous);
		// setTimeout caps at 2^31-1 ms; re-arm in steps for far resets.
		const capped = Math.min(delayMs, 2_000_000_000);
		const timer = setTimeout(() => {
			this.#timers.delete(name);
			if (capped < delayMs) this.#arm(name, delayMs - capped, fire);
			else fire();
		}, capped);
		this.#timers.set(name, timer);
	}

	/** One snapshot per turn of the event loop, however many messages changed it. */
	#noteError(text: string): void {
		this.#lastError = text;
		this.#lastErrorAt = this.#deps.now();
	}

	#publish(): void {
		if (this.#stopped || this.#publishQueued) return;
		this.#publishQueued = true;
		setImmediate(() => {
			this.#publishQueued = false;
			if (!this.#stopped) this.#deps.send({ type: "snapshot", snapshot: this.snapshot() });
		});
	}
}

/** A per-model answer's snapshot without its main windows (they hold that limit's numbers, not the account's). */
function withoutMainWindows(usage: UsageSnapshot): UsageSnapshot {
	const { primary: _primary, secondary: _secondary, ...rest } = usage;
	return rest;
}

/** The account's own windows of a snapshot, as properties to spread (none when unknown). */
function mainWindows(usage: UsageSnapshot | undefined): Pick<UsageSnapshot, "primary" | "secondary"> {
	return {
		...(usage?.primary ? { primary: usage.primary } : {}),
		...(usage?.secondary ? { secondary: usage.secondary } : {}),
	};
}
