/**
 * Turns the fake backend's request log and the children's reports into the bench figures. Pure:
 * no I/O, so the arithmetic can be read (and checked) on its own.
 */

import type { RequestLogEntry } from "../../test/fake-codex/types.ts";
import { percentile, type Summary, summarize } from "../lib/stats.ts";
import type { ChildDone, LockWait, StoreWrite } from "./protocol.ts";

export interface AnalyzeInput {
	requests: readonly RequestLogEntry[];
	children: readonly ChildDone[];
	watched: string;
	expectedStreams: number;
	/** The barrier instant: lock waits before it are start-up. */
	goAt: number;
	idleReadMs: readonly number[];
}

/**
 * A request that reached the exhausted account after its first 429. The fake logs arrivals as its
 * (busy) event loop gets to them, so what decides is when the request was routed: before the first
 * 429 (in flight: nothing could have stopped it), before its own process knew (the propagation
 * cost), or after (a routing bug).
 */
export interface LateRequest {
	process: number;
	session: string;
	/** Arrival at the fake minus the first 429's. */
	afterKnownMs: number;
	status: number;
	/** Its routing (the supervisor's `routed` event) minus the first 429's arrival. */
	routedAfterKnownMs: number | undefined;
	/** Its routing minus the moment its process knew (negative: before it knew). */
	routedAfterItKnewMs: number | undefined;
}

export interface ProcessLearning {
	process: number;
	/** This supervisor showed the account cooling down, ms after the first knowledge. */
	seenAfterMs: number | undefined;
	/** "own 429": this process hit the account itself first; "store": told by the shared file. */
	via: "own 429" | "store" | "never";
	/** Cooldown on disk → this supervisor's watch-driven reload read it. */
	reloadReadMs: number | undefined;
	/** Cooldown on disk → a read before one of its routing decisions read it (the alternative). */
	probeReadMs: number | undefined;
	/** The same for the stat gate. */
	gateReadMs: number | undefined;
	lateRequests: number;
	/** Late requests this process routed after its own supervisor already knew (a routing bug). */
	lateAfterItKnew: number;
}

export interface Figures {
	streams: {
		expected: number;
		ok: number;
		errors: number;
		errorExamples: string[];
		/** Streams whose text was not exactly one greeting (lost or duplicated deltas). */
		badTexts: number;
		/** Sessions the fake never answered 200 (lost) or answered 200 more than once (duplicated). */
		upstreamLost: number;
		upstreamDuplicated: number;
		servedBy: Record<string, number>;
		latencyMs: Summary;
	};
	exhaustion: {
		account: string;
		/** Epoch ms of the first 429 from the account: the first moment anyone could know. */
		knownAt: number | undefined;
		/** The process whose request met that 429. */
		knownBy: number | undefined;
		requestsBefore: number;
		requestsAfter: number;
		late: LateRequest[];
		/** Late requests routed before the first 429 arrived: in flight, unavoidable. */
		lateInFlight: number;
		/** Routed after it, before their process knew: what propagation costs. */
		latePropagation: number;
		/** Of those, routed after the cooldown was on disk: what a read before routing could save. */
		lateAfterPersist: number;
		/** Routed after their own process knew: a routing bug. */
		lateAfterItKnew: number;
		/** First 429 → cooldown in accounts.json (the first write whose file carries it: its `at`). */
		persistMs: number | undefined;
		processes: ProcessLearning[];
		/** First 429 → each other process's routing off the account, however it learnt. */
		knewMs: Summary;
		/** The same for the processes that learnt it from the store. */
		propagationMs: Summary;
		/** Cooldown on disk → the same moment (the file watch + reload + actor echo alone). */
		watchMs: Summary;
		/** Cooldown on disk → each process's watch-driven reload read it (all processes). */
		reloadReadMs: Summary;
		/** Cooldown on disk → each process's next read before routing read it (all processes). */
		probeReadMs: Summary;
		/** The same for the stat gate. */
		gateReadMs: Summary;
		notLearnt: number;
	};
	lockWaits: { run: LockSummary; startup: LockSummary };
	/**
	 * Writes that put a new cooldown of the watched account on disk: the file they left carries a
	 * cooldownUntil the file before them (the previous write, in lock order) did not.
	 */
	cooldownWrites: number;
	/** `store.read()` before each routing decision, same store, same load. */
	readMs: Summary;
	/** The stat gate before each routing decision (statSync; readFileSync + parse on change). */
	statMs: Summary;
	/** `store.read()` in the bench process before the children start: the same read, unloaded. */
	idleReadMs: Summary;
	/** Children's main-thread event-loop delay: median p50, median p99, worst max. */
	loopDelayMs: { p50: number; p99: number; max: number };
	wallMs: number;
	throughputPerS: number;
}

export interface LockSummary {
	data: Summary;
	account: Summary;
	/** Acquisitions that found the lock held by another process at least once. */
	contended: number;
	maxAttempts: number;
	/** Store updates that wrote (updates that changed nothing write nothing and are not counted). */
	writes: number;
	/** Updates that failed (their writes are lost) and the error codes. */
	failed: number;
	errors: string[];
	/** Data lock held per write: taken → file read, written, synced, renamed, folder synced (release not included). */
	holdMs: Summary;
}

export function analyze(input: AnalyzeInput): Figures {
	const { children, watched } = input;
	const results = children.flatMap((c) => c.streams);
	const responses = input.requests.filter((r) => r.route === "responses" && !r.upgrade);

	const okPerSession = new Map<string, number>();
	for (const r of responses) {
		if (r.status === 200 && r.sessionId) okPerSession.set(r.sessionId, (okPerSession.get(r.sessionId) ?? 0) + 1);
	}
	const servedBy: Record<string, number> = {};
	for (const r of results) if (r.servedBy) servedBy[r.servedBy] = (servedBy[r.servedBy] ?? 0) + 1;
	const errors = results.filter((r) => !r.ok);

	const onWatched = responses.filter((r) => r.accountId === watched).sort((a, b) => a.at - b.at);
	const first429 = onWatched.find((r) => r.status === 429);
	const knownAt = first429?.at;
	const knownBy = first429 ? processOf(first429.sessionId) : undefined;
	const knewAt = new Map(children.map((c) => [c.index, knowledgeOf(c)]));
	const late: LateRequest[] = [];
	if (knownAt !== undefined) {
		// The log is in arrival order and the sort is stable: later entries arrived after the 429.
		for (const r of onWatched.slice(onWatched.indexOf(first429!) + 1)) {
			const process = processOf(r.sessionId) ?? -1;
			const child = children.find((c) => c.index === process);
			const routedAt = r.sessionId ? child?.routedToWatched[r.sessionId] : undefined;
			const knew = knewAt.get(process);
			late.push({
				process,
				session: r.sessionId ?? "?",
				afterKnownMs: r.at - knownAt,
				status: r.status,
				routedAfterKnownMs: routedAt === undefined ? undefined : routedAt - knownAt,
				routedAfterItKnewMs:
					routedAt === undefined || knew === undefined || !Number.isFinite(knew) ? undefined : routedAt - knew,
			});
		}
	}
	// Unknown routing times count as propagation cost: neither in flight nor a proven bug.
	const propagationCost = late.filter((l) => (l.routedAfterKnownMs ?? 0) >= 0 && !routedAfterItKnew(l));
	const writes = children.flatMap((c) => c.writes);
	const cooldownWrites = newCooldowns(writes);
	// The writer's own clock, under the lock: the new file was there for every reader.
	const persistedAt = cooldownWrites.length ? Math.min(...cooldownWrites.map((w) => w.at)) : undefined;
	const processes = children.map((child) => learning(child, knownAt, persistedAt, late));
	const byStore = processes.filter((p) => p.via === "store");

	const ends = children.map((c) => c.endedAt);
	const wallMs = ends.length ? Math.max(...ends) - input.goAt : 0;
	const ok = results.filter((r) => r.ok).length;
	const expectedSessions = children.flatMap((c) => c.streams.map((s) => s.session));
	return {
		streams: {
			expected: input.expectedStreams,
			ok,
			errors: errors.length + Math.max(0, input.expectedStreams - results.length),
			errorExamples: [...new Set(errors.map((e) => e.error ?? "?"))].slice(0, 5),
			badTexts: results.filter((r) => r.ok && r.badText !== undefined).length,
			upstreamLost: expectedSessions.filter((s) => !okPerSession.has(s)).length,
			upstreamDuplicated: [...okPerSession.values()].filter((n) => n > 1).length,
			servedBy,
			latencyMs: summarize(results.map((r) => r.ms)),
		},
		exhaustion: {
			account: watched,
			knownAt,
			knownBy,
			requestsBefore: first429 ? onWatched.indexOf(first429) : onWatched.length,
			requestsAfter: late.length,
			late,
			lateInFlight: late.filter((l) => (l.routedAfterKnownMs ?? 0) < 0).length,
			latePropagation: propagationCost.length,
			lateAfterPersist:
				persistedAt === undefined || knownAt === undefined
					? 0
					: propagationCost.filter((l) => knownAt + (l.routedAfterKnownMs ?? 0) > persistedAt).length,
			lateAfterItKnew: late.filter(routedAfterItKnew).length,
			persistMs: persistedAt !== undefined && knownAt !== undefined ? persistedAt - knownAt : undefined,
			processes,
			knewMs: summarize(
				processes.flatMap((p) => (p.process === knownBy || p.seenAfterMs === undefined ? [] : [p.seenAfterMs])),
			),
			propagationMs: summarize(byStore.flatMap((p) => (p.seenAfterMs === undefined ? [] : [p.seenAfterMs]))),
			watchMs: summarize(
				persistedAt === undefined || knownAt === undefined
					? []
					: byStore.flatMap((p) => (p.seenAfterMs === undefined ? [] : [knownAt + p.seenAfterMs - persistedAt])),
			),
			reloadReadMs: summarize(processes.flatMap((p) => (p.reloadReadMs === undefined ? [] : [p.reloadReadMs]))),
			probeReadMs: summarize(processes.flatMap((p) => (p.probeReadMs === undefined ? [] : [p.probeReadMs]))),
			gateReadMs: summarize(processes.flatMap((p) => (p.gateReadMs === undefined ? [] : [p.gateReadMs]))),
			notLearnt: processes.filter((p) => p.via === "never").length,
		},
		lockWaits: {
			// Waits by when they began, writes by when they took the lock.
			run: lockSummary(
				children.flatMap((c) => c.lockWaits.filter((w) => w.at - w.waitedMs >= input.goAt)),
				writes.filter((w) => w.at - w.heldMs >= input.goAt),
			),
			startup: lockSummary(
				children.flatMap((c) => c.lockWaits.filter((w) => w.at - w.waitedMs < input.goAt)),
				writes.filter((w) => w.at - w.heldMs < input.goAt),
			),
		},
		cooldownWrites: cooldownWrites.length,
		readMs: summarize(children.flatMap((c) => c.readMs)),
		statMs: summarize(children.flatMap((c) => c.statMs)),
		idleReadMs: summarize(input.idleReadMs),
		loopDelayMs: {
			p50: median(children.map((c) => c.loopDelayMs.p50)),
			p99: median(children.map((c) => c.loopDelayMs.p99)),
			max: Math.max(0, ...children.map((c) => c.loopDelayMs.max)),
		},
		wallMs,
		throughputPerS: wallMs > 0 ? Math.round((ok / wallMs) * 1000 * 10) / 10 : 0,
	};
}

function learning(
	child: ChildDone,
	knownAt: number | undefined,
	persistedAt: number | undefined,
	late: readonly LateRequest[],
): ProcessLearning {
	const seen = child.coolingSeenAt;
	const own = child.ownFailoverAt;
	const knewAt = knowledgeOf(child);
	const via = own !== undefined && own <= (seen ?? Number.POSITIVE_INFINITY) ? "own 429" : seen ? "store" : "never";
	const mine = late.filter((l) => l.process === child.index);
	const sincePersist = (at: number | undefined) =>
		at === undefined || persistedAt === undefined ? undefined : at - persistedAt;
	return {
		process: child.index,
		seenAfterMs: knownAt === undefined || !Number.isFinite(knewAt) ? undefined : knewAt - knownAt,
		via,
		reloadReadMs: sincePersist(child.reloadSawAt),
		probeReadMs: sincePersist(child.probeSawAt),
		gateReadMs: sincePersist(child.gateSawAt),
		lateRequests: mine.length,
		lateAfterItKnew: mine.filter(routedAfterItKnew).length,
	};
}

function routedAfterItKnew(l: LateRequest): boolean {
	return (l.routedAfterItKnewMs ?? Number.NEGATIVE_INFINITY) > 0;
}

/** The first moment this process's routing avoided the watched account (Infinity: never). */
function knowledgeOf(child: ChildDone): number {
	return Math.min(child.coolingSeenAt ?? Number.POSITIVE_INFINITY, child.ownFailoverAt ?? Number.POSITIVE_INFINITY);
}

function median(values: readonly number[]): number {
	if (values.length === 0) return Number.NaN;
	return (
		Math.round(
			percentile(
				[...values].sort((a, b) => a - b),
				50,
			) * 1000,
		) / 1000
	);
}

function lockSummary(waits: readonly LockWait[], writes: readonly StoreWrite[]): LockSummary {
	const ok = writes.filter((w) => w.ok);
	const failed = writes.filter((w) => !w.ok);
	return {
		data: summarize(waits.filter((w) => w.lock === "data").map((w) => w.waitedMs)),
		account: summarize(waits.filter((w) => w.lock === "account").map((w) => w.waitedMs)),
		contended: waits.filter((w) => w.attempts > 1).length,
		maxAttempts: waits.reduce((max, w) => Math.max(max, w.attempts), 0),
		writes: ok.length,
		failed: failed.length,
		errors: [...new Set(failed.map((w) => w.code ?? "?"))],
		holdMs: summarize(ok.map((w) => w.heldMs)),
	};
}

/**
 * The writes whose file carried a cooldown of the watched account, active when written, that the
 * file before them did not. Writes are serialized by the data lock and each `at` is taken under it,
 * on the machine's one clock, so sorting every process's writes by `at` replays the file's versions
 * (two writes within the same millisecond may swap: that can only add a count, not move the
 * earliest landing).
 */
function newCooldowns(writes: readonly StoreWrite[]): StoreWrite[] {
	const found: StoreWrite[] = [];
	let onDisk: number | undefined;
	for (const write of writes.filter((w) => w.ok).sort((a, b) => a.at - b.at)) {
		const active = write.cooldownUntil !== undefined && write.cooldownUntil > write.at;
		if (active && write.cooldownUntil !== onDisk) found.push(write);
		onDisk = write.cooldownUntil;
	}
	return found;
}

/** `p3-s17` → 3. */
function processOf(session: string | undefined): number | undefined {
	const match = session ? /^p(\d+)-s\d+$/.exec(session) : null;
	return match ? Number(match[1]) : undefined;
}
