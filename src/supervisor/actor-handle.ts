/**
 * The supervisor's handle on one account actor: a single-thread piscina pool that runs one
 * long task (the actor) fed through a MessagePort. Keeps the actor's latest snapshot and token,
 * correlates token leases, and restarts the actor when its thread dies.
 */

import { MessageChannel, type MessagePort } from "node:worker_threads";
import { EventEmitter } from "eventemitter3";
import pRetry from "p-retry";
import { Piscina } from "piscina";
import { ActorCrashedError, ActorGaveUpError, describeError, ProtocolMismatchError } from "../errors.ts";
import {
	type ActorConfig,
	type ActorSnapshot,
	type ActorToSupervisor,
	PROTOCOL_VERSION,
	type SupervisorToActorBody,
} from "../protocol/messages.ts";
import { fromWireError } from "../protocol/wire-error.ts";
import type { AccountRecord, SharedAccountState } from "../store/account-record.ts";
import { RestartBudget, type RestartPolicyOptions } from "./restart-policy.ts";
import { actorPoolOptions, actorWorkerUrl } from "./worker-file.ts";

export interface Lease {
	access: string;
	expiresAt: number;
}

export interface ActorHandleOptions {
	account: AccountRecord;
	shared: SharedAccountState;
	config: ActorConfig;
	restart: RestartPolicyOptions & { backoffMs: number; readyTimeoutMs: number };
	workerUrl?: URL;
}

export interface ActorHandleEvents {
	snapshot: [snapshot: ActorSnapshot];
	ready: [];
	crashed: [error: Error];
	"gave-up": [error: Error];
}

/** Messages kept for a restarting actor; beyond this the oldest go (they are observations). */
const OUTBOX_LIMIT = 1000;

interface PendingLease {
	resolve(lease: Lease): void;
	reject(error: Error): void;
}

export class ActorHandle extends EventEmitter<ActorHandleEvents> {
	readonly accountId: string;
	#account: AccountRecord;
	#shared: SharedAccountState;
	readonly #options: ActorHandleOptions;
	readonly #pool: Piscina;
	readonly #budget: RestartBudget;
	#port: MessagePort | undefined;
	#snapshot: ActorSnapshot;
	#token: Lease | undefined;
	#restarts = 0;
	#nextLeaseId = 1;
	readonly #pending = new Map<number, PendingLease>();
	#ready: Promise<void> | undefined;
	#stopping = false;
	/** Between a crash and the new thread's `ready` (or giving up). */
	#restarting = false;
	readonly #outbox: SupervisorToActorBody[] = [];

	constructor(options: ActorHandleOptions) {
		super();
		this.#options = options;
		this.#account = options.account;
		this.#shared = options.shared;
		this.accountId = options.account.id;
		this.#budget = new RestartBudget(options.restart);
		this.#pool = new Piscina(actorPoolOptions(options.workerUrl ?? actorWorkerUrl()));
		// Piscina reports a thread dying with no task as 'error'; our task is always running, so
		// the task's rejection is what drives restarts. Swallow the duplicate here.
		this.#pool.on("error", () => undefined);
		this.#snapshot = {
			accountId: this.accountId,
			label: options.account.label,
			state: "starting",
			inFlight: 0,
			startedAt: Date.now(),
			restarts: 0,
		};
	}

	get snapshot(): ActorSnapshot {
		return this.#snapshot;
	}

	/** The last token the actor pushed, while it is outside the refresh margin. */
	currentToken(now: number): Lease | undefined {
		const token = this.#token;
		if (!token || token.expiresAt - now <= this.#options.config.refreshMarginMs) return undefined;
		return token;
	}

	/** Starts the actor; resolves once it said `ready`. */
	start(): Promise<void> {
		this.#ready = this.#spawn();
		return this.#ready;
	}

	/** Resolves when the actor is (again) serving; rejects if it gave up. */
	whenReady(): Promise<void> {
		return this.#ready ?? this.start();
	}

	/** A token valid beyond the refresh margin; `rejectedAccess` forces a refresh (after a 401). */
	lease(rejectedAccess?: string): Promise<Lease> {
		if (!rejectedAccess) {
			const cached = this.currentToken(Date.now());
			if (cached) return Promise.resolve(cached);
		}
		return new Promise<Lease>((resolve, reject) => {
			const id = this.#nextLeaseId++;
			this.#pending.set(id, { resolve, reject });
			if (!this.#send({ type: "lease", id, ...(rejectedAccess ? { rejectedAccess } : {}) })) {
				this.#pending.delete(id);
				reject(new ActorCrashedError(`${this.#snapshot.label}: actor is not running`));
			}
		});
	}

	tell(message: SupervisorToActorBody): void {
		this.#send(message);
	}

	/** New record or shared state from the store (another process, or a login in this one). */
	updateFromStore(account: AccountRecord, shared: SharedAccountState): void {
		this.#account = account;
		this.#shared = shared;
		this.#send({
			type: "store-changed",
			label: account.label,
			credentials: account.credentials,
			shared,
			...(account.needsLogin ? { needsLogin: account.needsLogin } : {}),
		});
	}

	/** Test and bench hook: kill the actor's thread as a crash would. */
	async killThread(): Promise<void> {
		const thread = this.#pool.threads[0];
		if (thread) await thread.terminate();
	}

	async stop(): Promise<void> {
		this.#stopping = true;
		this.#send({ type: "shutdown" });
		this.#rejectPending(new ActorCrashedError(`${this.#snapshot.label}: actor stopped`));
		await this.#pool.destroy().catch(() => undefined);
		this.removeAllListeners();
	}

	// -------------------------------------------------------------------------------------------

	#spawn(): Promise<void> {
		const { port1, port2 } = new MessageChannel();
		this.#port = port1;
		let readyResolve!: () => void;
		let readyReject!: (error: Error) => void;
		const ready = new Promise<void>((resolve, reject) => {
			readyResolve = resolve;
			readyReject = reject;
		});
		const timeout = setTimeout(
			() => readyReject(new ActorCrashedError(`${this.#account.label}: actor did not start in time`)),
			this.#options.restart.readyTimeoutMs,
		);
		let wasReady = false;
		port1.on("message", (message: ActorToSupervisor) => {
			if (message.v !== PROTOCOL_VERSION) {
				readyReject(new ProtocolMismatchError(`actor protocol ${String(message.v)} ≠ ${PROTOCOL_VERSION}`));
				return;
			}
			if (message.type === "ready") {
				clearTimeout(timeout);
				wasReady = true;
				this.#restarting = false;
				readyResolve();
			}
			this.#receive(message);
		});
		// The port must not keep pi alive on its own; the pool is destroyed on shutdown.
		port1.unref();
		const task = this.#pool.run({ port: port2 }, { transferList: [port2] });
		task.then(
			() => undefined,
			(error: unknown) => {
				clearTimeout(timeout);
				const crash = new ActorCrashedError(`${this.#account.label}: actor crashed: ${describeError(error)}`);
				readyReject(crash);
				// Before `ready` the spawner (start or the restart retry) owns the failure; leases
				// handed to this thread will get no answer.
				if (!wasReady) this.#rejectPending(crash);
				else if (port1 === this.#port) this.#onCrash(crash);
			},
		);
		this.#send({
			type: "start",
			account: { id: this.#account.id, label: this.#account.label },
			credentials: this.#account.credentials,
			shared: this.#shared,
			...(this.#account.needsLogin ? { needsLogin: this.#account.needsLogin } : {}),
			restarts: this.#restarts,
			config: this.#options.config,
		});
		this.#flushOutbox();
		return ready;
	}

	#receive(message: ActorToSupervisor): void {
		switch (message.type) {
			case "ready":
			case "snapshot":
				this.#snapshot = { ...message.snapshot, restarts: this.#restarts };
				this.emit("snapshot", this.#snapshot);
				if (message.type === "ready") this.emit("ready");
				return;
			case "token":
				this.#token = { access: message.access, expiresAt: message.expiresAt };
				return;
			case "lease-granted": {
				this.#token = { access: message.access, expiresAt: message.expiresAt };
				this.#pending.get(message.id)?.resolve(this.#token);
				this.#pending.delete(message.id);
				return;
			}
			case "lease-denied":
				this.#pending.get(message.id)?.reject(fromWireError(message.error));
				this.#pending.delete(message.id);
				return;
			default: {
				const unknown: never = message;
				this.#snapshot = { ...this.#snapshot, lastError: `unknown message ${JSON.stringify(unknown)}` };
			}
		}
	}

	#onCrash(crash: ActorCrashedError): void {
		if (this.#stopping) return;
		this.#port?.close();
		this.#port = undefined;
		this.#rejectPending(crash);
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
		this.#setState("restarting", crash.message);
		this.#ready = pRetry(() => (this.#stopping ? Promise.resolve() : this.#spawn()), {
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
		this.#restarting = false;
		this.#outbox.length = 0;
		this.#rejectPending(error);
		this.#setState("gave-up", error.message);
	}

	#setState(state: ActorSnapshot["state"], lastError: string): void {
		this.#snapshot = {
			...this.#snapshot,
			state,
			lastError,
			lastErrorAt: Date.now(),
			restarts: this.#restarts,
			inFlight: 0,
		};
		this.emit("snapshot", this.#snapshot);
	}

	/**
	 * Posts to the actor. While it restarts, messages wait in a bounded outbox for the new thread
	 * (what it should learn from streams served meanwhile, leases); false when nobody will read them.
	 */
	#send(message: SupervisorToActorBody): boolean {
		if (this.#port) {
			this.#port.postMessage({ v: PROTOCOL_VERSION, ...message });
			return true;
		}
		if (!this.#restarting || this.#stopping) return false;
		if (this.#outbox.length >= OUTBOX_LIMIT) this.#outbox.shift();
		this.#outbox.push(message);
		return true;
	}

	#flushOutbox(): void {
		const waiting = this.#outbox.splice(0);
		for (const message of waiting) this.#send(message);
	}

	#rejectPending(error: Error): void {
		for (const pending of this.#pending.values()) pending.reject(error);
		this.#pending.clear();
	}
}
