/**
 * The thread of one actor activation: a single-thread piscina pool running the actor's one long
 * task, fed through a MessagePort. After a crash piscina gives the pool a new thread and the
 * handle runs the task again on a new port.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { Piscina } from "piscina";
import { ActorCrashedError, describeError, ProtocolMismatchError } from "../errors.ts";
import {
	type ActorToSupervisor,
	PROTOCOL_VERSION,
	type SupervisorToActor,
	type SupervisorToActorBody,
} from "../protocol/messages.ts";
import { releaseLeasesOfThread } from "../store/open-pool-store.ts";
import type { StoreConfig } from "../store/store-config.ts";
import { within } from "./within.ts";
import { actorPoolOptions } from "./worker-file.ts";

export interface RunHooks {
	label: string;
	readyTimeoutMs: number;
	/** Every message of this task, `ready` included (before the returned `ready` resolves). */
	onMessage(message: ActorToSupervisor): void;
	/** The task failed after `ready` (before it, `ready` rejects instead). Never for a thread ended on purpose. */
	onCrash(crash: ActorCrashedError): void;
}

type StartBody = Extract<SupervisorToActorBody, { type: "start" }>;

export class ActorThread {
	readonly #pool: Piscina;
	#port: MessagePort | undefined;
	#task: Promise<unknown> = Promise.resolve();
	#ended = false;
	readonly #destroyed: Promise<void>;
	#destroy!: () => void;
	/** The store folder whose leases a dead thread of this pool may still hold. */
	readonly #store: StoreConfig;
	/** The thread running the current task, once it said `ready`. */
	#threadId: number | undefined;

	constructor(workerUrl: URL, store: StoreConfig) {
		this.#store = store;
		this.#pool = new Piscina(actorPoolOptions(workerUrl));
		// Piscina reports a thread dying with no task as 'error'; our task is always running, so
		// the task's rejection is what drives restarts. Swallow the duplicate here.
		this.#pool.on("error", () => undefined);
		this.#destroyed = new Promise((resolve) => {
			this.#destroy = resolve;
		});
	}

	/** Worker threads alive in this pool (one, or none between a crash and its replacement). */
	get threads(): number {
		return this.#pool.threads.length;
	}

	/** Resolves once the pool is destroyed (after `end`). */
	get destroyed(): Promise<void> {
		return this.#destroyed;
	}

	/** Test and bench hook: kill the thread as a crash would. */
	async kill(): Promise<void> {
		await this.#pool.threads[0]?.terminate();
	}

	/** Runs the actor's task on a new port and sends it `start`; `ready` resolves on its `ready`. */
	run(start: StartBody, hooks: RunHooks): { port: MessagePort; ready: Promise<void> } {
		const { port1, port2 } = new MessageChannel();
		this.#port = port1;
		let readyResolve!: () => void;
		let readyReject!: (error: Error) => void;
		const ready = new Promise<void>((resolve, reject) => {
			readyResolve = resolve;
			readyReject = reject;
		});
		const timeout = setTimeout(
			() => readyReject(new ActorCrashedError(`${hooks.label}: actor did not start in time`)),
			hooks.readyTimeoutMs,
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
				this.#threadId = message.snapshot.threadId ?? this.#pool.threads[0]?.threadId;
			}
			hooks.onMessage(message);
			if (message.type === "ready") readyResolve();
		});
		// The port must not keep pi alive on its own; the pool is destroyed on shutdown.
		port1.unref();
		this.#task = this.#pool.run({ port: port2 }, { transferList: [port2] });
		this.#task.then(
			() => undefined,
			(error: unknown) => {
				clearTimeout(timeout);
				const crash = new ActorCrashedError(`${hooks.label}: actor crashed: ${describeError(error)}`);
				// A thread that died cannot release its own store leases (a refresh lock, say).
				if (!this.#ended) void this.#releaseLeases();
				readyReject(crash);
				// Before `ready` the caller (activation or the restart retry) owns the failure.
				if (wasReady && !this.#ended && this.#port === port1) hooks.onCrash(crash);
			},
		);
		port1.postMessage({ v: PROTOCOL_VERSION, ...start } satisfies SupervisorToActor);
		return { port: port1, ready };
	}

	/**
	 * Asks the task to shut down (it finishes its store writes), waits up to `boundMs` for it, then
	 * destroys the pool; returns within `boundMs` whatever the thread does.
	 */
	async end(boundMs: number): Promise<void> {
		this.#ended = true;
		const port = this.#port;
		port?.postMessage({ v: PROTOCOL_VERSION, type: "shutdown" } satisfies SupervisorToActor);
		const deadline = Date.now() + boundMs;
		await within(this.#task, boundMs);
		port?.close();
		const destroyed = this.#pool
			.destroy()
			.catch(() => undefined)
			.then(() => this.#releaseLeases())
			.finally(() => this.#destroy());
		await within(destroyed, Math.max(0, deadline - Date.now()));
	}

	/** Drops the store leases the last thread held; a thread ended mid-refresh could not. */
	async #releaseLeases(): Promise<void> {
		const threadId = this.#threadId;
		this.#threadId = undefined;
		if (threadId !== undefined) await releaseLeasesOfThread(this.#store, threadId);
	}
}
