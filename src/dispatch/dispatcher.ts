/**
 * The stream pi calls for every Codex model. Picks an account, lets pi-ai's own Codex client do the
 * request with that account's token, and moves the request to another account when the answer is a
 * quota/rate-limit (or an unrecoverable 401) before the first content event. Never throws: every
 * failure ends the stream with one `error` event, as pi's providers do.
 */
import type {
	Api,
	AssistantMessageEvent,
	AssistantMessageEventStream,
	Model,
	SimpleStreamOptions,
	TranscriptContext,
} from "@earendil-works/pi-ai";
import { LRUCache } from "lru-cache";
import type { CodexTransport } from "../config.ts";
import { ActorCrashedError, describeError, NeedsLoginError, NoAccountsError } from "../errors.ts";
import type { ActorHandle } from "../supervisor/actor-handle.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { classifyCodexErrorText } from "../usage/codex-error-text.ts";
import { activeLimitFromHeaders, usageFromHeaders } from "../usage/rate-limit-headers.ts";
import { type ClassifiedFailure, classifyFailure, classifyStreamFailure } from "../usage/upstream-failure.ts";
import { exhaustedUntil, isUsageExhausted } from "../usage/usage-snapshot.ts";
import { errorAssistantMessage } from "./error-message.ts";
import { hasSignedThinking, withoutForeignReasoning } from "./foreign-reasoning.ts";
import { forwardEvents } from "./forward-events.ts";
import { type Observation, observedHeaders, observingFetch, rateLimitHeaders } from "./observing-fetch.ts";
import { allExhaustedMessage, noAccountServedMessage } from "./user-messages.ts";
import { observeProviderEvent } from "./websocket-events.ts";

/** pi-ai's Codex client, handed in by the pi glue (or by tests and benches). */
export interface CodexClient {
	streamSimple(
		model: Model<Api>,
		context: TranscriptContext,
		options?: SimpleStreamOptions,
	): AssistantMessageEventStream;
	createStream(): AssistantMessageEventStream;
}

type ErrorEvent = Extract<AssistantMessageEvent, { type: "error" }>;

type AttemptOutcome =
	| { type: "served" }
	| {
			type: "failover";
			reason: string;
			until?: number;
			detail?: string;
			/** Released at a 429's status line: the outcome once its answer is read and classified. */
			settled?: Promise<AttemptOutcome>;
	  }
	| { type: "final-error"; event: ErrorEvent };

interface RequestState {
	model: Model<Api>;
	context: TranscriptContext;
	options: SimpleStreamOptions | undefined;
	out: AssistantMessageEventStream;
	stripAllReasoning: boolean;
	/** Accounts that answered 403 without a reason: marked only once another account serves. */
	forbidden: ActorHandle[];
	/** What a failed attempt taught, held back while the request moves on (see `#later`). */
	later: { share: (() => void)[]; tell: (() => void)[]; read: (() => void)[] };
	laterTimer?: NodeJS.Timeout;
	/** pi has this request's first delta: held-back work no longer waits for it. */
	flowing: boolean;
	/** Attempts released at a 429's status line, still being read and classified. */
	settling: Promise<unknown>[];
}

/** A 403 that another account then got past: the account sits out this long. */
const FORBIDDEN_COOLDOWN_MS = 15 * 60_000;
/** After a stream broke off mid-content, pi's retry of the turn goes elsewhere for this long. */
const DEGRADED_MS = 45_000;
/** A failed attempt's news waits at most this long for the next attempt's first content. */
const LATER_MAX_MS = 250;

export interface DispatcherOptions {
	/** Replaces every Codex model's `baseUrl` (the `PI_DISPATCH_CODEX_BASE_URL` test hook). */
	baseUrl?: string;
	/** Transport for pi-ai's Codex client; default "sse" (see README "Design decisions"). */
	transport?: CodexTransport;
}

export class Dispatcher {
	#supervisor!: Supervisor;
	readonly #getSupervisor: () => Supervisor | Promise<Supervisor>;
	readonly #client: CodexClient;
	readonly #options: DispatcherOptions;
	/** responseId → account that minted it, to drop its encrypted reasoning for other accounts. */
	readonly #mintedBy = new LRUCache<string, string>({ max: 20_000 });
	/** pi-ai hands SSE events to `onProviderStreamEvent` (newer pi-ai): a 200 stream's bytes need no scan. */
	#sseEventsSeen = false;

	/** `getSupervisor` may be async: pi creates the provider before the supervisor has started. */
	constructor(
		getSupervisor: () => Supervisor | Promise<Supervisor>,
		client: CodexClient,
		options: DispatcherOptions = {},
	) {
		this.#getSupervisor = getSupervisor;
		this.#client = client;
		this.#options = options;
	}

	stream = (
		model: Model<Api>,
		context: TranscriptContext,
		options?: SimpleStreamOptions,
	): AssistantMessageEventStream => {
		const out = this.#client.createStream();
		const routed = this.#options.baseUrl ? { ...model, baseUrl: this.#options.baseUrl } : model;
		const request: RequestState = {
			model: routed,
			context,
			options,
			out,
			stripAllReasoning: false,
			forbidden: [],
			later: { share: [], tell: [], read: [] },
			flowing: false,
			settling: [],
		};
		this.#run(request)
			.catch((error: unknown) => this.#fail(request, `pi-dispatch: ${describeError(error)}`))
			.finally(() => this.#flushLater(request));
		return out;
	};

	/**
	 * What a failed attempt taught, beyond this process's routing: the store write other processes
	 * read (`share`), the actor's message (`tell`), and the reading of a cut 429's answer itself
	 * (`read`). They run once the next attempt has shown its first token, the request has ended, or
	 * after LATER_MAX_MS, whichever comes first, so that none competes with the failover for the
	 * main thread (read while B's request was in flight, they made B's round trip 0.4 ms longer on
	 * loopback). Shares first, written at once: the pool has the cooldown before the actor hears of
	 * it and could retract it.
	 */
	#later(request: RequestState, kind: "share" | "tell" | "read", work: () => void): void {
		request.later[kind].push(work);
		request.laterTimer ??= setTimeout(() => this.#flushLater(request), request.flowing ? 0 : LATER_MAX_MS);
	}

	#flushLater(request: RequestState): void {
		if (request.laterTimer === undefined) return;
		clearTimeout(request.laterTimer);
		request.laterTimer = undefined;
		const { share, tell, read } = request.later;
		if (share.length > 0) {
			for (const work of share.splice(0)) work();
			void this.#supervisor.flushLearnt();
		}
		for (const work of tell.splice(0)) work();
		for (const work of read.splice(0)) work();
	}

	/**
	 * The answer's last event waits for the 429s before it to be read and classified: by the time pi
	 * sees the request end, the failover notice is out and the cooldown is on its way to the store.
	 */
	#beforeFinal(request: RequestState): Promise<void> | undefined {
		if (request.settling.length === 0) return undefined;
		this.#flushLater(request);
		return Promise.all(request.settling).then(() => this.#flushLater(request));
	}

	/** Resolves when the request's held-back work runs (see `#later`). */
	#whenLaterRuns(request: RequestState): Promise<void> {
		return new Promise((resolve) => this.#later(request, "read", resolve));
	}

	async #run(request: RequestState): Promise<void> {
		const supervisor = this.#getSupervisor();
		this.#supervisor = supervisor instanceof Promise ? await supervisor : supervisor;
		const sessionKey = request.options?.sessionId;
		const signal = request.options?.signal;
		// Accounts whose plan refused this model, and (while others serve) those whose stream just broke off.
		const tried = new Set<string>();
		const failures = new Map<string, string>();
		for (const id of this.#supervisor.refusedModel(request.model.id)) {
			tried.add(id);
			failures.set(id, `model not on this plan (${request.model.id})`);
		}
		const avoided = this.#supervisor.avoidedAccounts().filter((id) => !tried.has(id));
		for (const id of avoided) tried.add(id);
		const waitedFor = new Set<string>();
		let pending: { from: ActorHandle; reason: string; until?: number; settled?: Promise<AttemptOutcome> } | undefined;
		let lastDetail: string | undefined;
		for (;;) {
			if (signal?.aborted) return this.#fail(request, "Request was aborted", "aborted");
			const choice = this.#supervisor.choose(sessionKey, tried, request.model.id);
			if (pending) {
				const to = choice ? this.#supervisor.actor(choice.id)?.snapshot.label : undefined;
				const { from, settled } = pending;
				const emit = ({ reason, until }: { reason: string; until?: number | undefined }) =>
					this.#supervisor.emitFailover({
						sessionKey,
						from: { id: from.accountId, label: from.snapshot.label },
						to: choice && to ? { id: choice.id, label: to } : undefined,
						reason,
						...(until !== undefined ? { until } : {}),
					});
				const { reason } = pending;
				if (settled) void settled.then((o) => emit(o.type === "failover" ? o : { reason }));
				else emit(pending);
				pending = undefined;
			}
			if (!choice) {
				// Nothing left to keep the main thread free for: what failed attempts taught runs now.
				this.#flushLater(request);
				if (avoided.length > 0) {
					for (const id of avoided.splice(0)) tried.delete(id);
					continue;
				}
				if (await this.#waitForRestartingActor(tried, waitedFor)) continue;
				if (await this.#supervisor.waitForProbe(tried, signal)) continue;
				await Promise.all(request.settling);
				return this.#fail(request, this.#noAccountMessage(lastDetail, failures));
			}
			const actor = this.#supervisor.actor(choice.id);
			if (!actor) {
				tried.add(choice.id);
				continue;
			}
			// Its cooldown just ended: one request in the pool probes it; another process got there first.
			const claimed = this.#supervisor.claimProbe(choice.id);
			if (claimed !== true && !(await claimed)) continue;
			let outcome: AttemptOutcome;
			try {
				outcome = await this.#supervisor.schedule(choice.id, () => this.#attempt(request, actor), signal);
			} catch (error) {
				if (signal?.aborted) return this.#fail(request, "Request was aborted", "aborted");
				throw error;
			}
			if (outcome.type === "served") return this.#markForbidden(request, choice.id);
			if (outcome.type === "final-error") {
				this.#label(outcome.event, actor.snapshot.label);
				request.out.push(outcome.event);
				request.out.end();
				return;
			}
			tried.add(choice.id);
			this.#supervisor.noteFailed(choice.id);
			lastDetail = outcome.detail ?? lastDetail;
			failures.set(choice.id, outcome.reason);
			const id = choice.id;
			if (outcome.settled) {
				request.settling.push(
					outcome.settled.then((settled) => {
						if (settled.type !== "failover") return;
						failures.set(id, settled.reason);
						lastDetail = settled.detail ?? lastDetail;
					}),
				);
			}
			pending = {
				from: actor,
				reason: outcome.reason,
				...(outcome.until !== undefined ? { until: outcome.until } : {}),
				...(outcome.settled ? { settled: outcome.settled } : {}),
			};
		}
	}

	async #attempt(request: RequestState, actor: ActorHandle): Promise<AttemptOutcome> {
		// Nearly always the known token, taken without a promise hop; else the actor's (see `lease`).
		let lease: { access: string } | undefined = actor.currentToken(Date.now());
		if (!lease) {
			try {
				lease = await actor.lease();
			} catch (error) {
				return leaseFailure(error);
			}
		}
		let refreshed = false;
		/** Ends the other requests' avoidance of this account once a cut 429 is classified. */
		let settling: (() => void) | undefined;
		for (;;) {
			const observation: Observation = {};
			// A success's headers are read on the next turn of the event loop, after pi-ai has handed
			// on what came with them; at the latest before the attempt's outcome is decided.
			let unlearnt: (() => void) | undefined;
			const learnNow = () => {
				const learn = unlearnt;
				unlearnt = undefined;
				learn?.();
			};
			// A 429 is another account's turn whatever its body says: the next attempt starts at its
			// status line, and this one's answer is read and classified later (see `onCut`).
			let release!: () => void;
			const released = new Promise<"released">((resolve) => {
				release = () => resolve("released");
			});
			const context = withoutForeignReasoning(
				request.context,
				actor.accountId,
				(id) => this.#mintedBy.get(id),
				request.stripAllReasoning,
			);
			const inner = this.#client.streamSimple(request.model, context, {
				...request.options,
				apiKey: lease.access,
				// SSE by default: status codes and the usage/reset headers are only visible there.
				transport: this.#options.transport ?? "sse",
				// Never sleep inside an attempt: another account is the retry.
				maxRetries: 0,
				fetch: observingFetch(observation, {
					onResponse: (seen) => this.#learn(actor, seen, request),
					deferSuccess: (learn) => {
						unlearnt = learn;
						setImmediate(learnNow);
					},
					// Answers another account (or a refresh) will handle end the attempt at once.
					cut: cutsAttempt,
					watchStream: !this.#sseEventsSeen,
					// A 429's answer is read once the next attempt has its first token (or later, see
					// #later); meanwhile this process's other requests prefer other accounts.
					onCut: (status) => {
						// pi-ai calls pi's own `onResponse` hook only for answers it reads itself.
						this.#tellPiOfAnswer(request, status, observation.headers);
						if (status !== 429) return undefined;
						settling ??= this.#supervisor.avoidWhileSettling(actor.accountId);
						release();
						return this.#whenLaterRuns(request);
					},
					...(request.options?.fetch ? { inner: request.options.fetch } : {}),
				}),
				// WebSocket: the refusal's status, headers and body come in an event, not an answer.
				onProviderStreamEvent: (event, model) => {
					// An event of an HTTP answer: this pi-ai hands SSE events here too (see `watchStream`).
					if (observation.status !== undefined) this.#sseEventsSeen = true;
					if (observeProviderEvent(observation, event)) {
						this.#tellPiOfAnswer(request, observation.status, observation.headers);
						this.#learn(actor, observation, request);
					}
					return request.options?.onProviderStreamEvent?.(event, model);
				},
			});
			actor.streamStarted();
			const forwarding = forwardEvents(
				inner,
				request.out,
				(event) => this.#brokeOff(event, actor.snapshot.label),
				// After pi got its first token (this turn's microtasks), not before it.
				() => {
					request.flowing = true;
					if (request.laterTimer !== undefined) setImmediate(() => this.#flushLater(request));
				},
				() => this.#beforeFinal(request),
			);
			const result = await Promise.race([forwarding, released]);
			learnNow();
			if (result === "released") {
				const settled = forwarding
					.then((answer): AttemptOutcome => {
						if (answer.type === "forwarded") {
							// Never: a 429 is thrown at the fetch, before any event.
							actor.streamEnded();
							return { type: "served" };
						}
						const detail = answer.event.error.errorMessage ?? "unknown error";
						actor.streamEnded(detail);
						const failure = classifyAttempt(observation, detail, Date.now());
						return (
							this.#quotaFailure(request, actor, observation, failure, detail) ?? {
								type: "failover",
								reason: "failed",
								detail,
							}
						);
					})
					.catch(
						(error: unknown): AttemptOutcome => ({
							type: "failover",
							reason: "failed",
							detail: describeError(error),
						}),
					)
					.finally(settling);
				return { type: "failover", reason: "exhausted", settled };
			}
			if (result.type === "forwarded") {
				const message = result.final.type === "done" ? result.final.message : result.final.error;
				// Only encrypted reasoning is the minting account's own (see foreign-reasoning.ts).
				if (message.responseId && hasSignedThinking(message))
					this.#mintedBy.set(message.responseId, actor.accountId);
				actor.streamEnded(message.errorMessage);
				if (result.final.type === "error" && result.final.reason !== "aborted") {
					this.#supervisor.markDegraded(actor.accountId, Date.now() + DEGRADED_MS);
				}
				return { type: "served" };
			}
			const detail = result.event.error.errorMessage ?? "unknown error";
			actor.streamEnded(detail);
			if (result.event.reason === "aborted" || request.options?.signal?.aborted) {
				return { type: "final-error", event: result.event };
			}
			const failure = classifyAttempt(observation, detail, Date.now());
			const quota = this.#quotaFailure(request, actor, observation, failure, detail);
			if (quota) return quota;
			switch (failure.kind) {
				case "forbidden":
					request.forbidden.push(actor);
					return { type: "failover", reason: "refused access (403)", detail };
				case "model-refused":
					this.#supervisor.refuseModel(actor.accountId, request.model.id);
					return {
						type: "failover",
						reason: `${failure.reason ?? "model refused"} (${request.model.id})`,
						detail,
					};
				case "unauthorized":
					if (refreshed) return { type: "failover", reason: "refused its token", detail };
					refreshed = true;
					try {
						lease = await actor.lease(lease.access);
					} catch (error) {
						return leaseFailure(error);
					}
					continue;
				case "foreign-reasoning":
					if (request.stripAllReasoning) return { type: "final-error", event: result.event };
					request.stripAllReasoning = true;
					continue;
				case "transient":
					// 5xx, or the connection or stream broke before any content: safe to try elsewhere.
					return { type: "failover", reason: "failed", detail };
				case "fatal":
					return { type: "final-error", event: result.event };
			}
		}
	}

	/** The account's quota or access is spent: marked here at once, shared and told once the request moved on. */
	#quotaFailure(
		request: RequestState,
		actor: ActorHandle,
		observation: Observation,
		failure: ClassifiedFailure,
		detail: string,
	): AttemptOutcome | undefined {
		const now = Date.now();
		// An HTTP error answer reached the actor with its body (#learn); a stream's did not.
		const actorSawIt = observation.status !== undefined && observation.status >= 400;
		const learn = (until: number, reason: string, guessed = false) =>
			this.#learnExhausted(request, actor.accountId, observation.status, until, reason, guessed);
		if (failure.kind === "exhausted") {
			const guessed = failure.resetsAt === undefined;
			const until = failure.resetsAt ?? now + this.#supervisor.actorConfig.fallbackCooldownMs;
			const limit = modelLimitOf(observedHeaders(observation));
			const reason = failure.code ?? "exhausted";
			if (limit) this.#supervisor.learnLimitExhausted(actor.accountId, limit, until, request.model.id);
			else learn(until, reason, guessed);
			if (!actorSawIt && !limit) {
				actor.tell({ type: "exhausted", reason, ...(guessed ? {} : { until }) });
			}
			return { type: "failover", reason: "exhausted", until, detail };
		}
		if (failure.kind === "account-refused") {
			const until = failure.resetsAt ?? now + this.#supervisor.actorConfig.fallbackCooldownMs;
			const reason = failure.reason ?? "refused";
			learn(until, reason);
			if (!actorSawIt) actor.tell({ type: "exhausted", reason, until });
			return { type: "failover", reason, until, detail };
		}
		return undefined;
	}

	/**
	 * Runs when an attempt's headers arrive, before its body streams: the actor learns the usage and
	 * any failure, and a window the headers show as full is marked here at once, so concurrent
	 * requests stop choosing the account before its actor has even answered.
	 */
	#learn(actor: ActorHandle, seen: Observation, request: RequestState): void {
		if (seen.status === undefined) return;
		const now = Date.now();
		const failed = seen.status >= 400;
		const model = request.model.id;
		// The same answer as the last one on this account for this model: all it shows was learnt then.
		if (!failed && seen.usage && actor.knows(seen.usage, model, now)) {
			this.#supervisor.noteServed(actor.accountId);
			return;
		}
		const headers = observedHeaders(seen);
		if (!headers) return;
		const observation = {
			status: seen.status,
			// A success's are already only these; an error's go whole to pi's hook, not to the actor.
			headers: failed ? rateLimitHeaders(headers) : headers,
			...(seen.errorBody !== undefined ? { errorBody: seen.errorBody } : {}),
			at: now,
		};
		// Per model: the same headers may come for another model.
		const limit = activeLimitFromHeaders(headers);
		if (limit) this.#supervisor.learnModelLimit(actor.accountId, model, limit);
		// A 429 moves the request on: the actor hears of it afterwards. Other answers are told at once,
		// before what they lead to (a 401's token refresh).
		if (seen.status === 429) this.#later(request, "tell", () => actor.observe(observation));
		else if (failed) actor.observe(observation);
		else {
			// News (`knows` said no above): told, and compared with the answers after it.
			actor.observe(observation, seen.usage && { usage: seen.usage, model });
			this.#supervisor.noteServed(actor.accountId);
		}
		const usage = usageFromHeaders(headers, now);
		// A per-model limit's numbers are that limit's: the 429, if any, cools down the limit only.
		if (isUsageExhausted(usage) && !usage?.activeLimit) {
			const reset = exhaustedUntil(usage);
			const until = reset ?? now + this.#supervisor.actorConfig.fallbackCooldownMs;
			this.#learnExhausted(request, actor.accountId, seen.status, until, "usage window full", reset === undefined);
		}
	}

	/**
	 * Exhaustion an answer showed. A 429's is routed around here at once and shared once the request
	 * has moved on (see `#later`); any other answer's is shared at once.
	 */
	#learnExhausted(
		request: RequestState,
		accountId: string,
		status: number | undefined,
		until: number,
		reason: string,
		guessed: boolean,
	): void {
		if (status !== 429) {
			this.#supervisor.learnExhausted(accountId, until, reason, guessed);
			return;
		}
		this.#supervisor.markExhausted(accountId, until, guessed, reason);
		this.#later(request, "share", () => this.#supervisor.learnExhausted(accountId, until, reason, guessed));
	}

	/** pi's `onResponse` hook, for an answer pi-ai does not read itself (cut short, or a WebSocket refusal). */
	#tellPiOfAnswer(
		request: RequestState,
		status: number | undefined,
		headers: Record<string, string> | undefined,
	): void {
		if (status !== undefined) void request.options?.onResponse?.({ status, headers: headers ?? {} }, request.model);
	}

	/** An actor that is (re)starting may be the only one left: wait for it once instead of failing. */
	async #waitForRestartingActor(tried: ReadonlySet<string>, waitedFor: Set<string>): Promise<boolean> {
		for (const view of this.#supervisor.accounts()) {
			const { state } = view.snapshot;
			if (tried.has(view.id) || waitedFor.has(view.id)) continue;
			if (state !== "restarting" && state !== "starting") continue;
			waitedFor.add(view.id);
			const ready = await this.#supervisor
				.actor(view.id)
				?.whenReady()
				.then(() => true)
				.catch(() => false);
			if (ready) return true;
		}
		return false;
	}

	#noAccountMessage(lastDetail: string | undefined, failures: ReadonlyMap<string, string>): string {
		const accounts = this.#supervisor.accounts();
		if (accounts.length === 0) return new NoAccountsError().message;
		const now = Date.now();
		const { lines, earliestReset, anyExhausted } = this.#supervisor.unavailability(now, failures);
		// "Quota" only when the service said so (a cooldown or a full window it reported).
		if (anyExhausted) return allExhaustedMessage(lines, earliestReset, now);
		return noAccountServedMessage(lines, lastDetail);
	}

	/** A 403 is only the account's own once another account got past it (Cloudflare/IP 403s hit all alike). */
	#markForbidden(request: RequestState, servedBy: string): void {
		const until = Date.now() + FORBIDDEN_COOLDOWN_MS;
		for (const actor of request.forbidden) {
			if (actor.accountId !== servedBy)
				this.#supervisor.learnExhausted(actor.accountId, until, "refused access (403)");
		}
	}

	/** An error after content: names the account and the break, so the user knows the retry goes elsewhere. */
	#brokeOff(event: ErrorEvent, label: string): void {
		if (event.reason !== "aborted") {
			const message = event.error.errorMessage ?? "unknown error";
			event.error.errorMessage = `[${label}] stream broke off after content (${message}); the next try avoids ${label} for ${DEGRADED_MS / 1000} s`;
		}
		this.#label(event, label);
	}

	#label(event: ErrorEvent, label: string): void {
		const message = event.error.errorMessage ?? "unknown error";
		if (!message.startsWith(`[${label}]`)) event.error.errorMessage = `[${label}] ${message}`;
	}

	#fail(request: RequestState, text: string, reason: "error" | "aborted" = "error"): void {
		const error = errorAssistantMessage(request.model, text, reason);
		request.out.push({ type: "error", reason, error });
		request.out.end();
	}
}

/** The per-model limit an answer names (`x-codex-active-limit` other than `codex`), if any. */
function modelLimitOf(headers: Record<string, string> | undefined): string | undefined {
	const limit = headers ? activeLimitFromHeaders(headers) : undefined;
	return limit === "codex" ? undefined : limit;
}

/** The HTTP answer's status and body, else a 200 stream's `response.failed` code, else pi-ai's text. */
function classifyAttempt(observation: Observation, detail: string, now: number): ClassifiedFailure {
	if (observation.status !== undefined && observation.status >= 400) {
		return classifyFailure(observation.status, observation.headers ?? {}, observation.errorBody, now);
	}
	if (observation.streamError) {
		return classifyStreamFailure(observation.streamError.code, observation.streamError.message, now);
	}
	// No HTTP answer: a WebSocket in-band error (text only), or a connection/stream failure.
	return classifyCodexErrorText(detail, now) ?? { kind: "transient" };
}

/** Answers another account (or a token refresh) will handle: the attempt ends at the first response. */
function cutsAttempt(status: number): boolean {
	return status === 429 || status === 401 || status >= 500;
}

function leaseFailure(error: unknown): AttemptOutcome {
	if (error instanceof NeedsLoginError) return { type: "failover", reason: "needs login", detail: error.message };
	if (error instanceof ActorCrashedError) return { type: "failover", reason: "is restarting", detail: error.message };
	return { type: "failover", reason: "could not get a token", detail: describeError(error) };
}
