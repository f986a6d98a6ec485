/**
 * The supervisor: one per pi process. Keeps a (virtual) actor per account in the store, dormant
 * until needed, so it routes from the store as soon as it has read it; picks the account for each
 * stream (selection policy + pins + stickiness), bounds concurrency with p-queue (globally and per
 * account), follows the store so that what one process learns (a cooldown, a login, a removed
 * account) reaches every other process, and takes its share of the pool's usage polls.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "eventemitter3";
import { LRUCache } from "lru-cache";
import PQueue from "p-queue";
import { describeError } from "../errors.ts";
import type { ActorConfig, ActorReport, ActorSnapshot } from "../protocol/messages.ts";
import type {
	AccountRecord,
	CreditsPolicy,
	PoolSettings,
	SharedAccountState,
	StoreData,
} from "../store/account-record.ts";
import { openPoolStore } from "../store/open-pool-store.ts";
import type { PoolStore } from "../store/pool-store.ts";
import { resolveStoreConfig } from "../store/store-config.ts";
import { StoreUnreachableError } from "../store/store-errors.ts";
import { mergeSharedState, type SharedPatch } from "../usage/shared-state-merge.ts";
import { exhaustedUntil, isUsageExhausted } from "../usage/usage-snapshot.ts";
import { ActorHandle } from "./actor-handle.ts";
import { LimitBook } from "./limit-book.ts";
import { PoolPoller } from "./poll-lease.ts";
import { claimProbe, probeDue, probedElsewhere } from "./probe-lease.ts";
import { type Candidate, type Choice, chooseAccount, stickyChoice, unavailableReason } from "./selection-policy.ts";
import {
	ACTIVATION_DEFAULTS,
	type ActivationOptions,
	actorConfigFrom,
	CONCURRENCY_DEFAULTS,
	RESTART_DEFAULTS,
	type SupervisorOptions,
} from "./supervisor-options.ts";
import { within } from "./within.ts";

/** How long a request with nowhere else to go waits, each time, for another process's probe. */
const PROBE_WAIT_STEP_MS = 200;

/** How long a plan's refusal of a model is believed (a plan change lifts it after this). */
const MODEL_REFUSAL_MS = 6 * 60 * 60_000;

/** An account as the UI shows it: the stored identity plus the actor's snapshot (from the store while dormant). */
/** How soon what was learnt is written again after the shared store was unreachable. */
const SHARE_RETRY_MS = 1000;

export interface AccountView {
	id: string;
	label: string;
	email?: string;
	plan?: string;
	snapshot: ActorSnapshot;
	/** Models this account's plan refused lately. */
	refusedModels?: string[];
}

export interface FailoverEvent {
	sessionKey: string | undefined;
	from: { id: string; label: string };
	to: { id: string; label: string } | undefined;
	reason: string;
	/** When `from` is usable again, when known. */
	until?: number;
}

export interface SupervisorEvents {
	snapshot: [snapshot: ActorSnapshot];
	"accounts-changed": [];
	failover: [event: FailoverEvent];
	"actor-crashed": [accountId: string, error: Error];
	"actor-gave-up": [accountId: string, error: Error];
	/** A /dispatch-use pin ended because its account became unavailable. */
	"pin-cleared": [sessionKey: string, label: string, reason: string];
	/** An account was chosen for a session (footer status). */
	routed: [sessionKey: string | undefined, accountId: string, reason: Choice["reason"]];
	/** A look for stale usage ended; `polled`: the accounts this process took the poll lease of. */
	"usage-poll-tick": [polled: string[]];
	error: [error: Error];
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
	readonly store: PoolStore;
	readonly options: SupervisorOptions;
	readonly actorConfig: ActorConfig;
	readonly activation: ActivationOptions;
	#poller: PoolPoller | undefined;
	/** Actors of removed accounts, stopping. */
	readonly #retiring = new Set<Promise<void>>();
	readonly #actors = new Map<string, ActorHandle>();
	#records = new Map<string, AccountRecord>();
	#shared: Record<string, SharedAccountState> = {};
	/** The pool's settings, as last read from the store. */
	#settings: PoolSettings = {};
	/** Cooldowns learnt here before the actor confirms them, so concurrent routing skips at once. */
	/** Probe leases refused here: account id → until when another process probes it. */
	readonly #probeWaits = new Map<string, number>();
	/** Probes this process is making: account id → until when its lease holds. */
	readonly #probesHeld = new Map<string, number>();
	readonly #localCooldowns = new Map<
		string,
		{ until: number; guessed: boolean; reason?: string; fromStore?: boolean }
	>();
	/** This process in probe leases. */
	readonly #probeOwner = `${process.pid}-${randomUUID()}`;
	/** Per-model limits spent, and which model counts against which limit. */
	readonly #limits = new LimitBook();
	/** account → model → until: the account's plan refused that model. */
	readonly #modelRefusals = new Map<string, Map<string, number>>();
	/** account → until: its last stream broke off after content; others are preferred. */
	readonly #degraded = new Map<string, number>();
	/** account id → requests whose 429 from it is still unread (see `avoidWhileSettling`). */
	readonly #settling = new Map<string, number>();
	readonly #sticky = new LRUCache<string, string>({ max: 10_000 });
	readonly #pins = new Map<string, string>();
	readonly #queue: PQueue;
	readonly #accountQueues = new Map<string, PQueue>();
	#unwatch: (() => void) | undefined;
	/** Store writes of what this process learnt; stop waits for them (bounded). */
	readonly #writes = new Set<Promise<void>>();
	/** Learnt here, not written yet (see #share). */
	readonly #unshared: { accountId: string; patch: SharedPatch }[] = [];
	#shareTimer: NodeJS.Immediate | undefined;
	#syncing: Promise<void> = Promise.resolve();
	#stopped = false;

	private constructor(options: SupervisorOptions) {
		super();
		this.options = options;
		this.store = openPoolStore(options.store ?? resolveStoreConfig(options.home));
		this.actorConfig = { ...actorConfigFrom(options), store: this.store.config };
		this.activation = { ...ACTIVATION_DEFAULTS, ...options.activation };
		this.#queue = new PQueue({ concurrency: options.concurrency?.global ?? CONCURRENCY_DEFAULTS.global });
	}

	/**
	 * Loads the store; every account's actor starts dormant, so this costs one store read and the
	 * first request can be routed at once. Store errors propagate (one-line messages).
	 */
	static async start(options: SupervisorOptions): Promise<Supervisor> {
		const supervisor = new Supervisor(options);
		supervisor.#apply(await supervisor.store.read());
		if (options.watchStore !== false) {
			supervisor.#unwatch = supervisor.store.watch(() => void supervisor.reload());
		}
		supervisor.#poller = supervisor.#startPoller();
		return supervisor;
	}

	/** Re-reads the store and brings actors in line (serialized). */
	reload(): Promise<void> {
		this.#syncing = this.#syncing
			.then(async () => {
				if (this.#stopped) return;
				const data = await this.store.read();
				// stop() may have run during the read: applying now would leave actors behind it.
				if (!this.#stopped) this.#apply(data);
			})
			.catch((error: unknown) => {
				this.emit("error", error instanceof Error ? error : new Error(String(error)));
			});
		return this.#syncing;
	}

	accounts(): AccountView[] {
		const views: AccountView[] = [];
		for (const [id, actor] of this.#actors) {
			const record = this.#records.get(id);
			if (!record) continue;
			views.push({
				id,
				label: record.label,
				...(record.email ? { email: record.email } : {}),
				...(record.plan ? { plan: record.plan } : {}),
				snapshot: this.#withLocalCooldown(actor.snapshot),
			});
			const refused = this.refusedModelsOf(id);
			if (refused.length > 0) views.at(-1)!.refusedModels = refused;
		}
		return views;
	}

	actor(accountId: string): ActorHandle | undefined {
		return this.#actors.get(accountId);
	}

	/** Actor worker threads running in this process now (dormant actors run none). */
	activeThreads(): number {
		let threads = 0;
		for (const actor of this.#actors.values()) threads += actor.threads;
		return threads;
	}

	/**
	 * Polls now every account (up to `max`) whose shared usage is older than `olderThanMs` and that
	 * no other process is polling (e.g. /dispatch-status in a fresh process); the ids polled from here.
	 */
	async refreshUsage(olderThanMs = this.actorConfig.usageTtlMs, max = Number.POSITIVE_INFINITY): Promise<string[]> {
		return this.#poller?.pollDue(olderThanMs, max) ?? [];
	}

	/**
	 * /dispatch-recheck: the account's actor asks the service for its usage now, even if fresh; room
	 * in the answer ends its cooldown here and, through the store, everywhere. Resolves with the
	 * account's view once the answer (or an error) is in, or after `timeoutMs`.
	 */
	async recheck(accountId: string, timeoutMs = 15_000): Promise<AccountView | undefined> {
		const actor = this.#actors.get(accountId);
		if (!actor) return undefined;
		const asked = Date.now();
		const answered = (s: ActorSnapshot) =>
			(s.usage?.source === "poll" && s.usage.observedAt >= asked) ||
			(s.lastErrorAt ?? 0) >= asked ||
			s.state === "needs-login" ||
			s.state === "gave-up";
		if (!answered(actor.snapshot)) {
			await new Promise<void>((resolve) => {
				const done = () => {
					clearTimeout(timer);
					actor.off("snapshot", check);
					resolve();
				};
				const check = (s: ActorSnapshot) => {
					if (answered(s)) done();
				};
				const timer = setTimeout(done, timeoutMs);
				actor.on("snapshot", check);
				actor.tell({ type: "poll-usage", recheck: true });
			});
		}
		const usage = actor.snapshot.usage;
		if (usage && usage.observedAt >= asked && !isUsageExhausted(usage)) this.#localCooldowns.delete(accountId);
		await this.flushLearnt();
		// A store change that crossed the answer (this very write, read back) must reach the actor first.
		await actor.caughtUp(Math.max(0, asked + timeoutMs - Date.now()));
		return this.accounts().find((a) => a.id === accountId);
	}

	findByLabel(label: string): AccountView | undefined {
		return this.accounts().find((a) => a.label === label);
	}

	// --- routing -------------------------------------------------------------------------------

	/** `model`: the request's model id, so that a spent per-model limit skips only its models. */
	choose(sessionKey: string | undefined, exclude: ReadonlySet<string>, model?: string): Choice | undefined {
		const now = Date.now();
		const limit = this.#limits.limitOf(model);
		const probing = this.#probingElsewhere(now);
		if (probing.length > 0) exclude = new Set([...exclude, ...probing]);
		const pinned = sessionKey ? this.#pins.get(sessionKey) : undefined;
		const sticky = sessionKey ? this.#sticky.get(sessionKey) : undefined;
		const rules = {
			now,
			...(pinned ? { pinned } : {}),
			exclude,
			...(limit ? { limit } : {}),
			credits: this.creditsPolicy(),
			...(this.#settings.caps ? { caps: this.#settings.caps } : {}),
			...(this.options.random ? { random: this.options.random } : {}),
		};
		// A session's next turn: its account, when the other accounts cannot change the answer.
		const held = sticky !== undefined ? this.#candidate(sticky) : undefined;
		let choice = held ? stickyChoice(held, rules) : undefined;
		if (!choice) {
			// Straight from the actors: `accounts()` would also list every account's refused models.
			const candidates: Candidate[] = [];
			for (const id of this.#actors.keys()) {
				const candidate = this.#candidate(id);
				if (candidate) candidates.push(candidate);
			}
			choice = chooseAccount({ candidates, ...rules, ...(sticky ? { sticky } : {}) });
		}
		if (choice && sessionKey) this.#sticky.set(sessionKey, choice.id);
		if (choice) this.emit("routed", sessionKey, choice.id, choice.reason);
		return choice;
	}

	/** What routing reads of an account: its actor's snapshot with this process's own marks. */
	#candidate(id: string): Candidate | undefined {
		const actor = this.#actors.get(id);
		const record = this.#records.get(id);
		if (!actor || !record) return undefined;
		const snapshot = this.#withLocalCooldown(actor.routingReport(Date.now()));
		return {
			id,
			label: record.label,
			state: snapshot.state,
			...(snapshot.cooldownUntil !== undefined ? { cooldownUntil: snapshot.cooldownUntil } : {}),
			...(snapshot.usage ? { usage: snapshot.usage } : {}),
			...(snapshot.limitCooldowns ? { limitCooldowns: snapshot.limitCooldowns } : {}),
		};
	}

	/** Runs `task` inside the global and the account's concurrency bounds. */
	schedule<T>(accountId: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
		const options = signal ? { signal } : {};
		// No per-account bound (the default): one queue, one promise hop fewer per request.
		const perAccount = this.options.concurrency?.perAccount ?? CONCURRENCY_DEFAULTS.perAccount;
		if (perAccount >= this.#queue.concurrency) return this.#queue.add(task, options);
		let accountQueue = this.#accountQueues.get(accountId);
		if (!accountQueue) {
			accountQueue = new PQueue({
				concurrency: perAccount,
			});
			this.#accountQueues.set(accountId, accountQueue);
		}
		const queue = accountQueue;
		return this.#queue.add(() => queue.add(task, options), options);
	}

	/**
	 * Marks an account exhausted here at once; the actor confirms, persists and times it. A `guessed`
	 * mark (no reset known) gives way to whatever cooldown the actor then reports.
	 */
	markExhausted(accountId: string, until: number, guessed = false, reason?: string): void {
		const current = this.#localCooldowns.get(accountId);
		if (!current || current.until < until) {
			this.#localCooldowns.set(accountId, { until, guessed, ...(reason !== undefined ? { reason } : {}) });
		}
		this.#clearPinsFor(accountId, "exhausted");
	}

	/**
	 * Exhaustion an answer here showed: marked at once for routing, and written to the store now,
	 * not when the account's actor has activated (other processes hear it at once, and a `pi -p`
	 * that fails over and quits still leaves it for the next one). The actor confirms and times it.
	 */
	learnExhausted(accountId: string, until: number, reason: string, guessed = false): void {
		this.#probesHeld.delete(accountId);
		this.markExhausted(accountId, until, guessed, reason);
		this.#share(accountId, { cooldownUntil: until, cooldownReason: reason });
	}

	/**
	 * A 429 named a per-model limit (`x-codex-active-limit`): that limit is spent on this account
	 * until `until`; its other models still route here. Shared at once, like `learnExhausted`.
	 */
	learnLimitExhausted(accountId: string, limit: string, until: number, model?: string): void {
		this.#limits.exhaust(accountId, limit, until);
		if (model !== undefined) this.learnModelLimit(accountId, model, limit);
		this.#share(accountId, { limitCooldowns: { [limit]: until } });
	}

	/** An answer for `model` named the limit it counts against. */
	learnModelLimit(accountId: string, model: string, limit: string): void {
		if (this.#limits.learnModel(model, limit)) this.#share(accountId, { limitModels: { [model]: limit } });
	}

	/** Whether accounts past their plan quota may serve on credits: this process's override, else the pool's setting. */
	creditsPolicy(): CreditsPolicy {
		return this.options.credits ?? this.#settings.credits ?? "last-resort";
	}

	/** Where `creditsPolicy` comes from. */
	creditsPolicySource(): "environment" | "pool" | "default" {
		if (this.options.credits) return "environment";
		return this.#settings.credits ? "pool" : "default";
	}

	/** Sets the pool's credits policy in the store: every process sharing the pool follows it. */
	async setCreditsPolicy(policy: CreditsPolicy): Promise<void> {
		await this.store.update((data) => {
			data.settings = { ...data.settings, credits: policy };
		});
		this.#settings = { ...this.#settings, credits: policy };
	}

	/** The pool's settings (caps, alerts, credits) as last read from the store. */
	settings(): PoolSettings {
		return this.#settings;
	}

	/** Changes the pool's settings in one store transaction (every process follows); `edit` may run again on newer data. */
	async updateSettings<T>(edit: (settings: PoolSettings, data: StoreData) => T): Promise<T> {
		let result!: T;
		const settings = await this.store.update((data) => {
			const next: PoolSettings = structuredClone(data.settings ?? {});
			result = edit(next, data);
			data.settings = next;
			return next;
		});
		this.#settings = settings;
		return result;
	}

	/**
	 * Before a request goes to an account whose cooldown has ended and that has not served since:
	 * takes the pool's probe lease for it, so one request in one process probes it. False when
	 * another process holds the lease (route elsewhere, or wait with `waitForProbe`).
	 */
	claimProbe(accountId: string): boolean | Promise<boolean> {
		const now = Date.now();
		// Nearly always: no probe due, no store transaction and no await on the request's path.
		if (!probeDue(this.#shared[accountId], now)) return true;
		return this.#claimProbe(accountId, now);
	}

	async #claimProbe(accountId: string, now: number): Promise<boolean> {
		const until = now + this.activation.probeLeaseMs;
		// One probe in this process too: the requests after it wait for its outcome.
		const granted =
			(this.#probesHeld.get(accountId) ?? 0) <= now &&
			(await claimProbe(this.store, accountId, this.#probeOwner, now, this.activation.probeLeaseMs));
		if (granted) this.#probesHeld.set(accountId, until);
		else this.#probeWaits.set(accountId, this.#probesHeld.get(accountId) ?? until);
		return granted;
	}

	/** A request this process sent to the account failed: a probe it held there is settled (and may be taken again). */
	noteFailed(accountId: string): void {
		this.#probesHeld.delete(accountId);
	}

	/** The account served: no probe is due on it any more, here and in the store. */
	noteServed(accountId: string): void {
		this.#probeWaits.delete(accountId);
		this.#probesHeld.delete(accountId);
		const shared = this.#shared[accountId];
		if (shared?.probeDue === undefined) return;
		const { probeDue: _due, probeLease: _lease, ...rest } = shared;
		this.#shared = { ...this.#shared, [accountId]: rest };
		this.#share(accountId, { probed: true });
	}

	/**
	 * Nothing else can serve, but another process is probing an account (`exclude`: already tried):
	 * waits a moment for its outcome. False when no probe elsewhere is worth waiting for.
	 */
	async waitForProbe(exclude: ReadonlySet<string>, signal?: AbortSignal): Promise<boolean> {
		const waiting = this.#probingElsewhere(Date.now()).filter((id) => !exclude.has(id));
		if (waiting.length === 0 || signal?.aborted) return false;
		await new Promise((resolve) => setTimeout(resolve, PROBE_WAIT_STEP_MS));
		return true;
	}

	/** Accounts another process is probing now (from the store, or a lease refused here). */
	#probingElsewhere(now: number): string[] {
		const ids: string[] = [];
		for (const id of this.#actors.keys()) {
			const refused = (this.#probeWaits.get(id) ?? 0) > now;
			if (refused && !probeDue(this.#shared[id], now)) this.#probeWaits.delete(id);
			else if (refused || probedElsewhere(this.#shared[id], this.#probeOwner, now)) ids.push(id);
		}
		return ids;
	}

	/**
	 * The account's plan refused `modelId` (400 "not supported … with a ChatGPT account"): skipped for
	 * that model a while, here at once and by every process through the pool.
	 */
	refuseModel(accountId: string, modelId: string, forMs = MODEL_REFUSAL_MS): void {
		const until = Date.now() + forMs;
		let refused = this.#modelRefusals.get(accountId);
		if (!refused) {
			refused = new Map();
			this.#modelRefusals.set(accountId, refused);
		}
		refused.set(modelId, until);
		this.#share(accountId, { modelRefusals: { [modelId]: until } });
	}

	/** Accounts whose plan refused `modelId` lately. */
	refusedModel(modelId: string): string[] {
		// Every request asks: one lookup per account, no list of each account's refused models.
		const now = Date.now();
		const ids: string[] = [];
		for (const id of this.#actors.keys()) {
			const here = this.#modelRefusals.get(id)?.get(modelId) ?? 0;
			if (here > now || (this.#shared[id]?.modelRefusals?.[modelId] ?? 0) > now) ids.push(id);
		}
		return ids;
	}

	/** Models the account's plan refused lately (for /dispatch-status). */
	refusedModelsOf(accountId: string): string[] {
		const now = Date.now();
		const models = new Set<string>();
		for (const [model, until] of Object.entries(this.#shared[accountId]?.modelRefusals ?? {})) {
			if (until > now) models.add(model);
		}
		const refused = this.#modelRefusals.get(accountId) ?? new Map<string, number>();
		for (const [model, until] of refused) {
			if (until <= now) refused.delete(model);
			else models.add(model);
		}
		return [...models];
	}

	/** A stream broke off after content: other accounts are preferred until `until`, in every process. */
	markDegraded(accountId: string, until: number): void {
		this.#degraded.set(accountId, until);
		this.#share(accountId, { degradedUntil: until });
	}

	/**
	 * A request here got a 429 from the account whose answer is not read yet (see the dispatcher's
	 * `#later`): other requests prefer other accounts until it is. The returned function ends it.
	 */
	avoidWhileSettling(accountId: string): () => void {
		this.#settling.set(accountId, (this.#settling.get(accountId) ?? 0) + 1);
		let ended = false;
		return () => {
			if (ended) return;
			ended = true;
			const left = (this.#settling.get(accountId) ?? 1) - 1;
			if (left > 0) this.#settling.set(accountId, left);
			else this.#settling.delete(accountId);
		};
	}

	/** Accounts a new request tries last: degraded (a stream broke off), or a 429 being read. */
	avoidedAccounts(): string[] {
		const now = Date.now();
		return [...this.#actors.keys()].filter(
			(id) =>
				this.#settling.has(id) ||
				(this.#degraded.get(id) ?? 0) > now ||
				(this.#shared[id]?.degradedUntil ?? 0) > now,
		);
	}

	pin(sessionKey: string, accountId: string): void {
		this.#pins.set(sessionKey, accountId);
		this.#sticky.set(sessionKey, accountId);
	}

	pinnedAccount(sessionKey: string): string | undefined {
		return this.#pins.get(sessionKey);
	}

	/** The account this session used last (its "active" account). */
	activeAccount(sessionKey: string): string | undefined {
		return this.#pins.get(sessionKey) ?? this.#sticky.get(sessionKey);
	}

	/** Why nothing can serve: one line per account (`failures`: what this request met), plus the earliest reset. */
	unavailability(
		now: number,
		failures: ReadonlyMap<string, string> = new Map(),
	): { lines: string[]; earliestReset: number | undefined; anyExhausted: boolean } {
		const lines: string[] = [];
		let earliestReset: number | undefined;
		let anyExhausted = false;
		for (const a of this.accounts()) {
			// What this request met on the account, else why the policy skips it.
			const reason =
				failures.get(a.id) ??
				unavailableReason({ ...a.snapshot, id: a.id }, now, this.creditsPolicy(), undefined, this.#settings.caps) ??
				"not tried";
			const until = Math.max(a.snapshot.cooldownUntil ?? 0, exhaustedUntil(a.snapshot.usage) ?? 0);
			if (reason === "exhausted") anyExhausted = true;
			if (reason === "exhausted" && until > now) earliestReset = Math.min(earliestReset ?? until, until);
			lines.push(`${a.label}: ${reason}`);
		}
		return { lines, earliestReset, anyExhausted };
	}

	emitFailover(event: FailoverEvent): void {
		this.emit("failover", event);
	}

	/**
	 * Never holds up pi's exit: dormant actors have nothing to stop, and a running one gets
	 * `boundMs` to finish its store writes before its thread is ended.
	 */
	async stop(boundMs = 200): Promise<void> {
		this.#stopped = true;
		this.#unwatch?.();
		this.#queue.clear();
		// A reload already applying the store finishes first, so every actor it made is stopped below.
		await this.#syncing;
		// Usage read from answers that no actor thread got to see: the next process starts from it.
		for (const actor of this.#actors.values()) {
			const usage = actor.undeliveredUsage();
			if (usage) this.#share(actor.accountId, { usage });
		}
		await Promise.all([
			within(this.flushLearnt(), boundMs),
			within(this.#poller?.stop(), boundMs),
			...[...this.#actors.values()].map((actor) => actor.stop(boundMs)),
			// Actors of accounts removed meanwhile are ending too (their own bound).
			...this.#retiring,
		]);
		this.#actors.clear();
		this.removeAllListeners();
		this.store.close();
	}

	// -------------------------------------------------------------------------------------------

	#apply(data: StoreData): void {
		this.#settings = data.settings ?? {};
		const seen = new Set<string>();
		for (const record of data.accounts) {
			seen.add(record.id);
			const shared = data.state[record.id] ?? {};
			this.#limits.adopt(record.id, shared);
			// Another process found the account exhausted: stop routing to it now, not when the actor
			// has echoed the news back. The actor's own cooldown, once it reports one, has the last word
			// (it may know the store's to be a retracted guess).
			if (shared.cooldownUntil !== undefined && shared.cooldownUntil > Date.now()) {
				this.markExhausted(record.id, shared.cooldownUntil, true);
				const local = this.#localCooldowns.get(record.id);
				if (local?.until === shared.cooldownUntil) local.fromStore = true;
			} else if (this.#localCooldowns.get(record.id)?.fromStore) {
				// The store's cooldown was retracted (the account served again): so is its copy here.
				this.#localCooldowns.delete(record.id);
			}
			const previous = this.#records.get(record.id);
			this.#records.set(record.id, record);
			const actor = this.#actors.get(record.id);
			if (!actor) {
				this.#addActor(record, shared);
			} else if (previous?.updatedAt !== record.updatedAt || !sameShared(this.#shared[record.id], shared)) {
				actor.updateFromStore(record, shared);
			}
		}
		this.#shared = data.state;
		for (const [id, actor] of this.#actors) {
			if (seen.has(id)) continue;
			this.#actors.delete(id);
			this.#records.delete(id);
			for (const [session, pinned] of this.#pins) if (pinned === id) this.#pins.delete(session);
			const retiring = actor.stop();
			this.#retiring.add(retiring);
			void retiring.finally(() => this.#retiring.delete(retiring));
		}
		this.emit("accounts-changed");
	}

	/** A dormant actor for a new account: no thread until it is needed. */
	#addActor(record: AccountRecord, shared: SharedAccountState): void {
		const actor = new ActorHandle({
			account: record,
			shared,
			config: this.actorConfig,
			restart: { ...RESTART_DEFAULTS, ...this.options.restart },
			idleMs: this.activation.idleMs,
		});
		this.#actors.set(record.id, actor);
		actor.on("snapshot", (snapshot) => {
			if (snapshot.state === "cooling-down" || snapshot.state === "needs-login" || snapshot.state === "gave-up") {
				this.#clearPinsFor(snapshot.accountId, snapshot.state);
			}
			this.emit("snapshot", this.#withLocalCooldown(snapshot));
		});
		actor.on("crashed", (error) => this.emit("actor-crashed", record.id, error));
		actor.on("gave-up", (error) => this.emit("actor-gave-up", record.id, error));
	}

	/** This process's share of the pool's usage polls: a claimed account's actor (activated if dormant) polls. */
	#startPoller(): PoolPoller {
		const { activation } = this;
		return new PoolPoller({
			store: this.store,
			staleMs: this.actorConfig.usagePollMs,
			benchedStaleMs: activation.benchRecheckMs,
			leaseMs: activation.pollLeaseMs,
			startDelayMs: activation.pollStartDelayMs,
			tickMs: activation.pollTickMs,
			perTick: activation.pollsPerTick,
			eligible: (id) => {
				const state = this.#actors.get(id)?.snapshot.state;
				return state !== undefined && state !== "gave-up";
			},
			poll: (id) => this.#actors.get(id)?.tell({ type: "poll-usage" }),
			onTick: (polled) => this.emit("usage-poll-tick", polled),
			onError: (error) => this.emit("error", new Error(`usage poll lease: ${describeError(error)}`)),
		});
	}

	/**
	 * Merges `patch` into the account's shared state (later cooldown and newer usage win), on the
	 * next turn of the event loop, with whatever else was learnt in this one, in one transaction.
	 * Not later: a write held back longer can land after an actor's retraction of the same cooldown
	 * and bring it back (measured cost of writing this soon: about 1 ms of an unknown failover).
	 * stop() writes what is still waiting.
	 */
	#share(accountId: string, patch: SharedPatch): void {
		this.#unshared.push({ accountId, patch });
		this.#shareTimer ??= setImmediate(() => this.#flushShares());
	}

	/** Writes what this process learnt and has not written yet; resolves once the store has it. */
	async flushLearnt(): Promise<void> {
		this.#flushShares();
		await Promise.all(this.#writes);
	}

	#flushShares(): void {
		if (this.#shareTimer) clearImmediate(this.#shareTimer);
		this.#shareTimer = undefined;
		const batch = this.#unshared.splice(0);
		if (batch.length === 0) return;
		const write = this.store
			.update((data) => {
				const now = Date.now();
				for (const { accountId, patch } of batch) {
					if (!data.accounts.some((a) => a.id === accountId)) continue;
					data.state[accountId] = mergeSharedState(data.state[accountId], patch, now);
				}
			})
			.catch((error: unknown) => {
				// A shared store away for a while (Redis restarting): kept, and written once it is back.
				if (error instanceof StoreUnreachableError && !this.#stopped) {
					this.#unshared.unshift(...batch);
					setTimeout(() => this.#flushShares(), SHARE_RETRY_MS).unref();
					return;
				}
				this.emit("error", new Error(`could not share what was learnt: ${describeError(error)}`));
			})
			.finally(() => this.#writes.delete(write));
		this.#writes.add(write);
	}

	#withLocalCooldown<R extends ActorReport>(report: R): R {
		const limitCooldowns = this.#limits.active(report.accountId, Date.now());
		const snapshot = limitCooldowns ? { ...report, limitCooldowns } : report;
		const local = this.#localCooldowns.get(snapshot.accountId);
		if (local === undefined) return snapshot;
		const confirmed =
			snapshot.cooldownUntil !== undefined && (local.guessed || snapshot.cooldownUntil >= local.until);
		if (local.until <= Date.now() || confirmed) {
			this.#localCooldowns.delete(snapshot.accountId);
			return snapshot;
		}
		const state = snapshot.state === "ready" ? "cooling-down" : snapshot.state;
		const reason = local.reason !== undefined ? { cooldownReason: local.reason } : {};
		return { ...snapshot, state, cooldownUntil: local.until, ...reason };
	}

	#clearPinsFor(accountId: string, reason: string): void {
		const label = this.#records.get(accountId)?.label ?? accountId;
		for (const [session, pinned] of this.#pins) {
			if (pinned !== accountId) continue;
			this.#pins.delete(session);
			this.emit("pin-cleared", session, label, reason);
		}
	}
}

function sameShared(a: SharedAccountState | undefined, b: SharedAccountState): boolean {
	return JSON.stringify(a ?? {}) === JSON.stringify(b);
}
