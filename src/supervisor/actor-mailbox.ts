/**
 * What waits for an actor's thread: messages kept while it is dormant, activating or restarting
 * (bounded; beyond the limit the oldest go, they are observations), and token leases not answered
 * yet, which every new thread is asked again, so a thread that dies before `ready` loses none.
 */
import type { SupervisorToActorBody } from "../protocol/messages.ts";
import { usageFromHeaders } from "../usage/rate-limit-headers.ts";
import type { UsageSnapshot } from "../usage/usage-snapshot.ts";

export interface Lease {
	access: string;
	expiresAt: number;
}

type LeaseMessage = Extract<SupervisorToActorBody, { type: "lease" }>;

interface PendingLease {
	message: LeaseMessage;
	resolve(lease: Lease): void;
	reject(error: Error): void;
}

const OUTBOX_LIMIT = 1000;

export class ActorMailbox {
	readonly #kept: SupervisorToActorBody[] = [];
	readonly #leases = new Map<number, PendingLease>();
	#nextLeaseId = 1;

	/** Nothing waits: no kept message, no unanswered lease. */
	get empty(): boolean {
		return this.#kept.length === 0 && this.#leases.size === 0;
	}

	keep(message: SupervisorToActorBody): void {
		if (this.#kept.length >= OUTBOX_LIMIT) this.#kept.shift();
		this.#kept.push(message);
	}

	/** The usage the newest kept observation shows: what a thread never started would have learnt. */
	keptUsage(): UsageSnapshot | undefined {
		for (let i = this.#kept.length - 1; i >= 0; i--) {
			const message = this.#kept[i];
			if (message?.type !== "observed") continue;
			const usage = usageFromHeaders(message.observation.headers, message.observation.at);
			if (usage) return usage;
		}
		return undefined;
	}

	/** A new lease: the message to post, and the promise its answer settles. */
	openLease(rejectedAccess: string | undefined): { message: LeaseMessage; lease: Promise<Lease> } {
		const id = this.#nextLeaseId++;
		const message: LeaseMessage = { type: "lease", id, ...(rejectedAccess ? { rejectedAccess } : {}) };
		const lease = new Promise<Lease>((resolve, reject) => {
			this.#leases.set(id, { message, resolve, reject });
		});
		return { message, lease };
	}

	granted(id: number, lease: Lease): void {
		this.#leases.get(id)?.resolve(lease);
		this.#leases.delete(id);
	}

	denied(id: number, error: Error): void {
		this.#leases.get(id)?.reject(error);
		this.#leases.delete(id);
	}

	/** Hands a new thread what waits: the kept messages once, the unanswered leases again. */
	deliver(post: (message: SupervisorToActorBody) => void): void {
		for (const message of this.#kept.splice(0)) post(message);
		for (const pending of this.#leases.values()) post(pending.message);
	}

	/** Nobody will read what waits: drop the kept messages and fail the leases with `error`. */
	fail(error: Error): void {
		this.#kept.length = 0;
		this.failLeases(error);
	}

	failLeases(error: Error): void {
		for (const pending of this.#leases.values()) pending.reject(error);
		this.#leases.clear();
	}
}
