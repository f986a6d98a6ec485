/**
 * The supervisor's handle on one account actor, a virtual actor (Orleans): it exists for every
 * account but costs nothing while dormant. Activation (a single-thread piscina pool running one
 * long task fed through a MessagePort) happens on the first message that needs the actor: a lease
 * that needs a refresh, a usage poll this process holds the lease for, observations to learn from
 * (after the stream that made them). After `idleMs` without work the actor deactivates; its state
 * lives in the store. The handle keeps what only the main thread knows: the latest token (so the
 * healthy path needs no round trip), streams in flight, and the restart budget.
 */

import type { MessagePort } from "node:worker_threads";
import { EventEmitter } from "eventemitter3";
import pRetry from "p-retry";
import { ActorCrashedError, ActorGaveUpError, describeError } from "../errors.ts";
import {
	type ActorActivation,
	type ActorConfig,
	type ActorReport,
	type ActorSnapshot,
	type ActorToSupervisor,
	PROTOCOL_VERSION,
	type ResponseObservation,
	type SupervisorToActorBody,
} from "../protocol/messages.ts";
import { fromWireError } from "../protocol/wire-error.ts";
import type { AccountRecord, SharedAccountState } from "../store/account-record.ts";
import type { UsageSnapshot } from "../usage/usage-snapshot.ts";
import { ActivationTimers } from "./activation-timers.ts";
import { ActorMailbox, type Lease } from "./actor-mailbox.ts";
import { ActorThread } from "./actor-thread.ts";
import { RestartBudget, type RestartPolicyOptions } from "./restart-policy.ts";
import { storedReport, withEndedCooldown, withUnseenStoreCooldown } from "./stored-report.ts";
import { within } from "./within.ts";
import { actorWorkerUrl } from "./worker-file.ts";

export type { Lease } from "./actor-mailbox.ts";

export interface ActorHandleOptions {
	account: AccountRecord;
	shared: SharedAccountState;
	config: ActorConfig;
	restart: RestartPolicyOptions & { backoffMs: number; readyTimeoutMs: number };
	/** Deactivate after this long without work. */
	idleMs: number;
	workerUrl?: URL;
}

export interface ActorHandleEvents {
	snapshot: [snapshot: ActorSnapshot];
	ready: [];
	crashed: [error: Error];
	"gave-up": [error: Error];
}

/** How long a deactivating actor may take to finish its store writes before its thread is ended. */
const IDLE_DRAIN_MS = 30_000;

export class ActorHandle extends EventEmitter<ActorHandleEvents> {
	readonly accountId: string;
	#account: AccountRecord;
	#shared: SharedAccountState;
	/** Numbers each store state (`#shared`) handed to a thread; reports say which one they follow. */
	#storeSeq = 0;
	readonly #options: ActorHandleOptions;
	readonly #budget: RestartBudget;
	readonly #loadedAt = Date.now();
	#thread: ActorThread | undefined;
	/** Threads told to shut down that have not ended yet (deactivation drains their store writes). */
	readonly #ending = new Set<ActorThread>();
	/** The port of a thread that was sent `start`; undefined while dormant or between a crash and a respawn. */
	#port: MessagePort | undefined;
	#activation: ActorActivation = "dormant";
	/** The actor's last report while it runs; undefined while dormant (the store describes it). */
	#report: ActorReport | undefined;
	#token: Lease | undefined;
	#inFlight = 0;
	#streamError: { text: string; at: number } | undefined;
	#restarts = 0;
	readonly #mailbox = new ActorMailbox();
	#ready: Promise<void> | undefined;
	#deactivating: Promise<void> = Promise.resolve();
	#stopping = false;
	#gaveUp: ActorGaveUpError | undefined;
	/** Between a crash and the new thread's `ready` (or giving up). */
	#restarting = false;
	/** A lease asked only so that the actor refreshes a token that still serves. */
	#backgroundRefresh: Promise<void> | undefined;
	readonly #timers: ActivationTimers;
	/** An answer was told to the actor since a stream last ended here (see `streamEnded`). */
	#toldSinceStreamEnd = false;
	/** The last success told: its rate-limit headers (see rateLimitPairs), model and time. */
	#told: { usage: readonly string[]; model: string | undefined; at: number } | undefined;

	constructor(options: ActorHandleOptions) {
		super();
		this.#options = options;
		this.#account = options.account;
		this.#shared = options.shared;
		this.accountId = options.account.id;
		this.#budget = new RestartBudget(options.restart);
		this.#adoptStoredToken();
		this.#timers = new ActivationTimers({
			idleMs: options.idleMs,
			inFlight: () => this.#inFlight,
			canActivate: () => this.#activation === "dormant" && !this.#stopping,
			activate: () => void this.activate().catch(() => undefined),
			canDeactivate: () => this.#activation === "active" && !this.#stopping,
			busy: () => this.#inFlight > 0 || !this.#mailbox.empty || this.#restarting,
			deactivate: () => this.#deactivate(),
		});
	}

	get snapshot(): ActorSnapshot {
		const now = Date.now();
		const report = this.#reportAt(now);
		const streamError =
			this.#streamError && this.#streamError.at > (report.lastErrorAt ?? 0)
				? { lastError: this.#streamError.text, lastErrorAt: this.#streamError.at }
				: {};
		return {
			...report,
			...streamError,
			...(this.#gaveUp ? { state: "gave-up" as const, lastError: this.#gaveUp.message } : {}),
			inFlight: this.#inFlight,
			activation: this.#activation,
		};
	}

	/**
	 * What routing reads of the account (state, cooldown, usage), for every request: the report as
	 * the snapshot has it, without building the rest of a snapshot.
	 */
	routingReport(now: number): ActorReport {
		const report = this.#reportAt(now);
		return this.#gaveUp ? { ...report, state: "gave-up" } : report;
	}

	#reportAt(now: number): ActorReport {
		return this.#report && this.#activation !== "dormant"
			? withUnseenStoreCooldown(
					withEndedCooldown(this.#report, now),
					this.#shared,
					(this.#report.storeSeq ?? this.#storeSeq) >= this.#storeSeq,
					now,
				)
			: storedReport(this.#account, this.#shared, now, this.#loadedAt, this.#restarts);
	}

	get activation(): ActorActivation {
		return this.#activation;
	}

	/** Worker threads this account runs right now, ending ones included (0 while dormant). */
	get threads(): number {
		let count = this.#thread?.threads ?? 0;
		for (const thread of this.#ending) count += thread.threads;
		return count;
	}

	/** The last known token (from the actor, or the store while dormant), while outside the refresh margin. */
	currentToken(now: number): Lease | undefined {
		const token = this.#token;
		if (!token || token.expiresAt - now <= this.#options.config.refreshMarginMs) return undefined;
		return token;
	}

	/** Activates the actor (a no-op while it runs); resolves once it said `ready`. */
	activate(): Promise<void> {
		if (this.#gaveUp) return Promise.reject(this.#gaveUp);
		if (this.#stopping) return Promise.reject(new ActorCrashedError(`${this.#account.label}: actor stopped`));
		if (this.#activation !== "dormant" && this.#ready) return this.#ready;
		this.#activation = "activating";
		this.#timers.activating();
		const ready = this.#deactivating
			.then(() =>
				pRetry(() => this.#spawn(), { retries: 2, minTimeout: this.#options.restart.backoffMs, factor: 2 }),
			)
			.then(
				() => this.#timers.touch(),
				(error: unknown) => {
					const failed = new ActorCrashedError(
						`${this.#account.label}: actor could not start: ${describeError(error)}`,
					);
					void this.#endThread(0);
					this.#activation = "dormant";
					this.#report = undefined;
					this.#streamError = { text: failed.message, at: Date.now() };
					this.#mailbox.fail(failed);
					this.emit("snapshot", this.snapshot);
					throw failed;
				},
			);
		this.#ready = ready;
		ready.catch(() => undefined);
		this.emit("snapshot", this.snapshot);
		return ready;
	}

	/** Resolves when the actor is (again) serving; rejects if it gave up. */
	whenReady(): Promise<void> {
		if (this.#gaveUp) return Promise.reject(this.#gaveUp);
		if (this.#activation === "dormant") return Promise.resolve();
		return this.#ready ?? Promise.resolve();
	}

	/**
	 * A token for a request: the known one at once while it is valid beyond the refresh margin, or
	 * inside the margin while it still has a fifth of the margin left (the actor refreshes it
	 * meanwhile, in the background); else from the actor (which refreshes, single-flight across
	 * processes), activating it if dormant. `rejectedAccess` forces a refresh (after a 401).
	 */
	lease(rejectedAccess?: string): Promise<Lease> {
		if (!rejectedAccess) {
			const now = Date.now();
			const cached = this.currentToken(now);
			if (cached) return Promise.resolve(cached);
			const token = this.#token;
			if (token && token.expiresAt - now > this.#options.config.refreshMarginMs / 5) {
				this.#backgroundRefresh ??= this.#askActor(undefined)
					.catch(() => undefined)
					.then(() => {
						this.#backgroundRefresh = undefined;
					});
				return Promise.resolve(token);
			}
		}
		return this.#askActor(rejectedAccess);
	}

	#askActor(rejectedAccess: string | undefined): Promise<Lease> {
		if (this.#stopping || this.#gaveUp) {
			return Promise.reject(this.#gaveUp ?? new ActorCrashedError(`${this.#account.label}: actor stopped`));
		}
		const { message, lease } = this.#mailbox.openLease(rejectedAccess);
		if (this.#port) this.#post(this.#port, message);
		else if (this.#activation === "dormant") void this.activate().catch(() => undefined);
		this.#timers.touch();
		return lease;
	}

	/**
	 * Something for the actor to learn or do. While it is dormant the message waits, and the actor
	 * activates in the background: at once for news other processes must hear (a failure,
	 * exhaustion, a poll), else a moment after this process's streams on the account have ended
	 * (see ActivationTimers). Never on a request's critical path.
	 */
	tell(message: SupervisorToActorBody): void {
		if (!this.#send(message) || this.#activation !== "dormant") return;
		this.#timers.want(message.type !== "observed" || message.observation.status >= 400);
	}

	/**
	 * An answer's status and rate-limit headers, for the actor to learn from. A success is told only
	 * when it is news (see `knows`); `seen` is its headers as pairs and its model, which later
	 * answers are compared with. A healthy stream on an account whose usage did not move costs no
	 * message (was ~0.5 ms of main thread each). False when it was no news.
	 */
	observe(observation: ResponseObservation, seen?: { usage: readonly string[]; model?: string }): boolean {
		const success = observation.status < 400;
		if (success && seen && this.knows(seen.usage, seen.model, observation.at)) return false;
		this.#told = success && seen ? { usage: seen.usage, model: seen.model, at: observation.at } : undefined;
		this.#toldSinceStreamEnd = true;
		this.tell({ type: "observed", observation });
		return true;
	}

	/**
	 * A success that is no news: the last told answer had the same rate-limit headers (the ticking
	 * `reset-after-seconds` aside) for the same model, no cooldown is on that a success may end, and
	 * it was told less than half the actor's usage-persist interval ago (so the pool's usage stays
	 * as fresh as before). Compared as pairs, in order: nothing is built for an answer that is none.
	 */
	knows(usage: readonly string[], model: string | undefined, at: number): boolean {
		const told = this.#told;
		if (!told || told.model !== model || at - told.at >= this.#options.config.usagePersistMs / 2) return false;
		const cooling =
			(this.#report && this.#activation !== "dormant" ? this.#report : this.#shared).cooldownUntil !== undefined;
		return !cooling && samePairs(told.usage, usage);
	}

	/**
	 * Resolves once the actor's report follows the last store state it was handed (its own word on
	 * a cooldown then counts, see withUnseenStoreCooldown), or after `timeoutMs`.
	 */
	caughtUp(timeoutMs: number): Promise<void> {
		const done = () => !this.#report || (this.#report.storeSeq ?? this.#storeSeq) >= this.#storeSeq;
		if (done()) return Promise.resolve();
		return new Promise((resolve) => {
			const finish = () => {
				clearTimeout(timer);
				this.off("snapshot", check);
				resolve();
			};
			const check = () => {
				if (done()) finish();
			};
			const timer = setTimeout(finish, timeoutMs);
			this.on("snapshot", check);
		});
	}

	/** A stream on this account began (the supervisor's own count: it survives an actor crash). */
	streamStarted(): void {
		this.#inFlight++;
		this.#timers.touch();
	}

	/**
	 * A stream on this account ended. Snapshot listeners (the footer, the usage history) hear of it
	 * when it failed or its answer was news to the actor; an answer like the last one changes
	 * nothing they show but the in-flight count, which is read when shown.
	 */
	streamEnded(error?: string): void {
		this.#inFlight = Math.max(0, this.#inFlight - 1);
		if (error) this.#streamError = { text: error, at: Date.now() };
		if (error || this.#toldSinceStreamEnd) {
			this.#toldSinceStreamEnd = false;
			this.emit("snapshot", this.snapshot);
		}
		this.#timers.streamEnded();
		this.#timers.touch();
	}

	/** New record or shared state from the store (another process, or a login in this one). */
	updateFromStore(account: AccountRecord, shared: SharedAccountState): void {
		this.#account = account;
		this.#shared = shared;
		this.#storeSeq++;
		this.#adoptStoredToken();
		// A thread not started yet is handed the store as it is then; a dormant actor has nothing to tell.
		if (this.#port) {
			this.#send({
				type: "store-changed",
				label: account.label,
				credentials: account.credentials,
				shared,
				storeSeq: this.#storeSeq,
				...(account.needsLogin ? { needsLogin: account.needsLogin } : {}),
			});
		} else {
			this.emit("snapshot", this.snapshot);
		}
	}

	/** Usage seen in answers that no thread has read yet (the actor is dormant or still starting). */
	undeliveredUsage(): UsageSnapshot | undefined {
		return this.#port ? undefined : this.#mailbox.keptUsage();
	}

	/** Test and bench hook: kill the actor's thread as a crash would. */
	async killThread(): Promise<void> {
		await this.#thread?.kill();
	}

	/**
	 * Ends the actor for good (pi quits, the account was removed). A dormant actor has nothing to
	 * stop; a running one gets `boundMs` to finish its store writes, then its thread is ended.
	 */
	async stop(boundMs = 200): Promise<void> {
		this.#stopping = true;
		this.#timers.clear();
		// A thread that has not said `ready` has done nothing yet: nothing to wait for.
		const activating = this.#activation === "activating";
		this.#mailbox.failLeases(new ActorCrashedError(`${this.#account.label}: actor stopped`));
		// A deactivation under way (its thread finishing store writes) gets the same bound.
		await Promise.all([this.#endThread(activating ? 0 : boundMs), within(this.#deactivating, boundMs)]);
		this.removeAllListeners();
	}

	// -------------------------------------------------------------------------------------------

	/** A token in the store newer than the one known here (another process refreshed, a login). */
	#adoptStoredToken(): void {
		const { credentials, needsLogin } = this.#account;
		if (needsLogin) {
			if (this.#token?.access === credentials.access) this.#token = undefined;
			return;
		}
		if (!this.#token || credentials.expiresAt > this.#token.expiresAt) {
			this.#token = { access: credentials.access, expiresAt: credentials.expiresAt };
		}
	}

	#deactivate(): void {
		if (this.#activation !== "active") return;
		this.#activation = "dormant";
		this.#report = undefined;
		this.#ready = undefined;
		this.#deactivating = this.#endThread(IDLE_DRAIN_MS);
		this.emit("snapshot", this.snapshot);
	}

	/** Ends the current thread (see `ActorThread.end`); it counts in `threads` until its pool is gone. */
	async #endThread(boundMs: number): Promise<void> {
		const thread = this.#thread;
		this.#thread = undefined;
		this.#port = undefined;
		if (!thread) return;
		this.#ending.add(thread);
		void thread.destroyed.then(() => this.#ending.delete(thread));
		await thread.end(boundMs);
	}

	#spawn(): Promise<void> {
		if (this.#stopping) return Promise.resolve();
		// A new thread knows only the store: the next observation is news to it.
		this.#told = undefined;
		this.#thread ??= new ActorThread(
			this.#options.workerUrl ?? actorWorkerUrl(),
			this.#options.config.store ?? { kind: "file", home: this.#options.config.home },
		);
		const { port, ready } = this.#thread.run(
			{
				type: "start",
				account: {
					id: this.#account.id,
					label: this.#account.label,
					...(this.#account.workspace ? { workspace: this.#account.workspace } : {}),
					...(this.#account.seat ? { seat: this.#account.seat } : {}),
				},
				credentials: this.#account.credentials,
				shared: this.#shared,
				storeSeq: this.#storeSeq,
				...(this.#account.needsLogin ? { needsLogin: this.#account.needsLogin } : {}),
				restarts: this.#restarts,
				config: this.#options.config,
			},
			{
				label: this.#account.label,
				readyTimeoutMs: this.#options.restart.readyTimeoutMs,
				onMessage: (message) => {
					if (message.type === "ready") {
						this.#restarting = false;
						this.#activation = "active";
					}
					this.#receive(message);
				},
				onCrash: (crash) => this.#onCrash(crash),
			},
		);
		this.#port = port;
		this.#mailbox.deliver((message) => this.#post(port, message));
		return ready;
	}

	#receive(message: ActorToSupervisor): void {
		switch (message.type) {
			case "ready":
			case "snapshot":
				this.#report = { ...message.snapshot, restarts: this.#restarts };
				this.emit("snapshot", this.snapshot);
				if (message.type === "ready") this.emit("ready");
				return;
			case "token":
				this.#token = { access: message.access, expiresAt: message.expiresAt };
				return;
			case "lease-granted": {
				this.#token = { access: message.access, expiresAt: message.expiresAt };
				this.#mailbox.granted(message.id, this.#token);
				this.#timers.touch();
				return;
			}
			case "lease-denied":
				this.#mailbox.denied(message.id, fromWireError(message.error));
				this.#timers.touch();
				return;
			default: {
				const unknown: never = message;
				this.#streamError = { text: `unknown message ${JSON.stringify(unknown)}`, at: Date.now() };
			}
		}
	}

	#onCrash(crash: ActorCrashedError): void {
		if (this.#stopping) return;
		this.#port = undefined;
		this.#mailbox.failLeases(crash);
		this.emit("crashed", crash);
		if (!this.#budget.allowRestart(Date.now())) {
			const gaveUp = new ActorGaveUpError(`${this.#account.label}: actor keeps crashing; skipped until pi restarts`);
			this.#giveUp(gaveUp);
			this.#ready = Promise.reject(gaveUp);
			this.#ready.catch(() => undefined);
			this.emit("gave-up", gaveUp);
			return;
		}
		this.#restarts++;
		this.#restarting = true;
		this.#setReport("restarting", crash.message);
		this.#ready = pRetry(() => this.#spawn(), {
			retries: 3,
			minTimeout: this.#options.restart.backoffMs,
			factor: 2,
		});
		this.#ready.catch((error: unknown) => {
			const gaveUp = new ActorGaveUpError(
				`${this.#account.label}: actor could not restart: ${describeError(error)}`,
			);
			this.#giveUp(gaveUp);
			this.emit("gave-up", gaveUp);
		});
	}

	#giveUp(error: ActorGaveUpError): void {
		this.#gaveUp = error;
		this.#restarting = false;
		this.#mailbox.fail(error);
		this.#setReport("gave-up", error.message);
		void this.#endThread(0);
	}

	#setReport(state: ActorReport["state"], lastError: string): void {
		this.#report = {
			...(this.#report ?? storedReport(this.#account, this.#shared, Date.now(), this.#loadedAt, this.#restarts)),
			state,
			lastError,
			lastErrorAt: Date.now(),
			restarts: this.#restarts,
		};
		this.emit("snapshot", this.snapshot);
	}

	/**
	 * Posts to the actor, or keeps the message (bounded) for the thread that will read it: while
	 * dormant, activating or restarting. False when nobody will read it.
	 */
	#send(message: SupervisorToActorBody): boolean {
		if (this.#stopping || this.#gaveUp) return false;
		if (this.#port) {
			this.#post(this.#port, message);
			this.#timers.touch();
			return true;
		}
		this.#mailbox.keep(message);
		return true;
	}

	#post(port: MessagePort, message: SupervisorToActorBody): void {
		port.postMessage({ v: PROTOCOL_VERSION, ...message });
	}
}

/** The same name/value pairs, but for the values of the seconds-to-reset that tick on every answer. */
function samePairs(told: readonly string[], seen: readonly string[]): boolean {
	if (told.length !== seen.length) return false;
	for (let i = 0; i < seen.length; i += 2) {
		const name = seen[i]!;
		if (told[i] !== name) return false;
		if (told[i + 1] !== seen[i + 1] && !name.endsWith("reset-after-seconds")) return false;
	}
	return true;
}
