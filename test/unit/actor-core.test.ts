/**
 * The account actor's decisions in one thread: fake time (vitest fake timers, `Date` included),
 * fake deps that record what the actor sends and writes. Behaviour only: messages in, messages,
 * snapshots and store patches out.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NeedsLoginError, TransientUpstreamError } from "../../src/errors.ts";
import type {
	ActorConfig,
	ActorReport,
	ActorToSupervisorBody,
	ResponseObservation,
	SupervisorToActor,
} from "../../src/protocol/messages.ts";
import type { AccountCredentials, SharedAccountState } from "../../src/store/account-record.ts";
import type { SharedPatch } from "../../src/usage/shared-state-merge.ts";
import type { UsageSnapshot } from "../../src/usage/usage-snapshot.ts";
import { AccountActor, type ActorDeps } from "../../workers/actor-core.ts";

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

const CONFIG: ActorConfig = {
	refreshMarginMs: 5 * MIN,
	usageTtlMs: 2 * MIN,
	usagePollMs: 5 * MIN,
	fallbackCooldownMs: 15 * MIN,
	usagePersistMs: 30_000,
	refreshRetries: 0,
	retryMinTimeoutMs: 1,
	codexBaseUrl: "http://127.0.0.1:1",
	auth: { tokenUrl: "http://127.0.0.1:1/token", authorizeUrl: "", clientId: "c", redirectUri: "", scope: "" },
	home: "/nonexistent",
};

const creds = (n: number, expiresAt = T0 + HOUR): AccountCredentials => ({
	access: `access-${n}`,
	refresh: `refresh-${n}`,
	expiresAt,
});

interface Setup {
	credentials?: AccountCredentials;
	shared?: SharedAccountState;
	needsLogin?: { since: number; reason: string };
	deps?: Partial<ActorDeps>;
	config?: Partial<ActorConfig>;
}

function makeActor(setup: Setup = {}) {
	const sent: ActorToSupervisorBody[] = [];
	const patches: SharedPatch[] = [];
	const deps = {
		send: (message: ActorToSupervisorBody) => void sent.push(message),
		refresh: vi.fn(async (_known: AccountCredentials) => creds(2, Date.now() + HOUR)),
		fetchUsage: vi.fn(async (_c: AccountCredentials): Promise<UsageSnapshot | undefined> => undefined),
		persistShared: vi.fn(async (patch: SharedPatch) => void patches.push(patch)),
		persistNeedsLogin: vi.fn(async (_reason: string) => undefined),
		now: () => Date.now(),
		...setup.deps,
	} satisfies ActorDeps;
	const start: Extract<SupervisorToActor, { type: "start" }> = {
		v: 2,
		type: "start",
		account: { id: "acc-1", label: "work" },
		credentials: setup.credentials ?? creds(1),
		shared: setup.shared ?? {},
		...(setup.needsLogin ? { needsLogin: setup.needsLogin } : {}),
		restarts: 3,
		config: { ...CONFIG, ...setup.config },
	};
	const actor = new AccountActor(start, deps);
	const snapshots = () =>
		sent.filter((m) => m.type === "snapshot").map((m) => (m as { snapshot: ActorReport }).snapshot);
	const last = () => snapshots().at(-1);
	const of = <T extends ActorToSupervisorBody["type"]>(type: T) =>
		sent.filter((m): m is Extract<ActorToSupervisorBody, { type: T }> => m.type === type);
	const send = (message: Record<string, unknown>) => actor.handle({ v: 2, ...message } as SupervisorToActor);
	return { actor, deps, sent, patches, snapshots, last, of, send };
}

/** A refresh that fails with a fresh error each call. */
const refreshThrows = (error: () => Error) =>
	vi.fn<ActorDeps["refresh"]>(async () => {
		throw error();
	});

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets promises and the actor's one-per-turn snapshot (setImmediate) run, without moving the clock. */
async function settle(): Promise<void> {
	for (let i = 0; i < 3; i++) {
		await vi.advanceTimersByTimeAsync(0);
		await nextTurn();
	}
}

/** Moves the clock, then lets what the timers due by then queued (a snapshot) run. */
async function advance(ms: number): Promise<void> {
	await vi.advanceTimersByTimeAsync(ms);
	await settle();
}

const headers = (h: Record<string, string | number>) =>
	Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)])) as Record<string, string>;

/** Headers of an answer with the main windows at these percentages (5 h and weekly), resetting at these times. */
function usageHeaders(primary: number, secondary: number, resets: { p?: number; s?: number } = {}) {
	return headers({
		"x-codex-primary-used-percent": primary,
		"x-codex-primary-window-minutes": 300,
		...(resets.p !== undefined ? { "x-codex-primary-reset-at": resets.p / 1000 } : {}),
		"x-codex-secondary-used-percent": secondary,
		"x-codex-secondary-window-minutes": 10080,
		...(resets.s !== undefined ? { "x-codex-secondary-reset-at": resets.s / 1000 } : {}),
	});
}

const observed = (observation: Partial<ResponseObservation>) => ({
	type: "observed",
	observation: { status: 200, headers: {}, at: Date.now(), ...observation },
});

const usage = (primary: number, extra: Partial<UsageSnapshot> = {}): UsageSnapshot => ({
	primary: { usedPercent: primary, windowMinutes: 300, resetsAt: Date.now() + 2 * HOUR },
	secondary: { usedPercent: 10, windowMinutes: 10080, resetsAt: Date.now() + 48 * HOUR },
	observedAt: Date.now(),
	source: "poll",
	...extra,
});

beforeEach(() => {
	// setImmediate stays real (`settle` waits for it): the actor sends one snapshot per turn from it.
	vi.useFakeTimers({ now: T0, toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterEach(() => {
	vi.useRealTimers();
});

describe("start and snapshot", () => {
	it("announces itself ready with its report and pushes its token; no token while it needs a login", async () => {
		const a = makeActor();
		a.actor.start();
		expect(a.sent[0]).toEqual({
			type: "ready",
			snapshot: {
				accountId: "acc-1",
				label: "work",
				state: "ready",
				startedAt: T0,
				restarts: 3,
				tokenExpiresAt: T0 + HOUR,
			},
		});
		expect(a.sent[1]).toEqual({ type: "token", access: "access-1", expiresAt: T0 + HOUR });
		const b = makeActor({ needsLogin: { since: 1, reason: "refresh token reused" } });
		b.actor.start();
		expect(b.sent.map((m) => m.type)).toEqual(["ready"]);
		expect(b.actor.snapshot().state).toBe("needs-login");
		await advance(2 * HOUR);
		expect(b.deps.refresh).not.toHaveBeenCalled();
	});

	it("reports a store that refused rotated tokens, and publishes when that changes", async () => {
		let reason: string | undefined;
		let listener: (() => void) | undefined;
		const a = makeActor({
			deps: {
				loginNotSaved: () => reason,
				onLoginSaveChange: (l) => {
					listener = l;
				},
			},
		});
		expect(a.actor.snapshot()).not.toHaveProperty("loginNotSaved");
		reason = "E_STORE_WRITE SQLITE_FULL";
		listener?.();
		await settle();
		expect(a.last()?.loginNotSaved).toBe("E_STORE_WRITE SQLITE_FULL");
	});

	it("sends one snapshot per turn however many messages changed it, none after stop", async () => {
		const a = makeActor();
		a.send({ type: "exhausted", reason: "r1", until: T0 + HOUR });
		a.send({ type: "exhausted", reason: "r2", until: T0 + 2 * HOUR });
		await settle();
		expect(a.snapshots()).toHaveLength(1);
		expect(a.last()).toMatchObject({ state: "cooling-down", cooldownUntil: T0 + 2 * HOUR, cooldownReason: "r2" });
		a.send({ type: "exhausted", reason: "r3", until: T0 + 3 * HOUR });
		await a.actor.stop();
		await settle();
		expect(a.snapshots()).toHaveLength(1);
	});

	it("notes a message it does not know as its last error", () => {
		const a = makeActor();
		a.send({ type: "bogus" });
		expect(a.actor.snapshot()).toMatchObject({
			lastError: 'unknown message {"v":2,"type":"bogus"}',
			lastErrorAt: T0,
		});
	});
});

describe("leases and refresh", () => {
	it("grants the current token when it is not due, without a refresh", async () => {
		const a = makeActor({ credentials: creds(1, T0 + CONFIG.refreshMarginMs + 1) });
		a.send({ type: "lease", id: 7 });
		await settle();
		expect(a.deps.refresh).not.toHaveBeenCalled();
		expect(a.of("lease-granted")).toEqual([
			{ type: "lease-granted", id: 7, access: "access-1", expiresAt: T0 + CONFIG.refreshMarginMs + 1 },
		]);
	});

	it("refreshes first when the token is within the refresh margin (the margin itself included)", async () => {
		const a = makeActor({ credentials: creds(1, T0 + CONFIG.refreshMarginMs) });
		a.send({ type: "lease", id: 1 });
		await settle();
		expect(a.deps.refresh).toHaveBeenCalledTimes(1);
		expect(a.of("lease-granted")[0]).toMatchObject({ id: 1, access: "access-2", expiresAt: T0 + HOUR });
		expect(a.of("token").at(-1)).toEqual({ type: "token", access: "access-2", expiresAt: T0 + HOUR });
		expect(a.last()?.tokenExpiresAt).toBe(T0 + HOUR);
	});

	it("refreshes when upstream refused the very token it holds, not one it already replaced", async () => {
		const a = makeActor();
		a.send({ type: "lease", id: 1, rejectedAccess: "access-0" });
		await settle();
		expect(a.deps.refresh).not.toHaveBeenCalled();
		expect(a.of("lease-granted")[0]).toMatchObject({ access: "access-1" });
		a.send({ type: "lease", id: 2, rejectedAccess: "access-1" });
		await settle();
		expect(a.deps.refresh).toHaveBeenCalledWith(creds(1));
		expect(a.of("lease-granted")[1]).toMatchObject({ id: 2, access: "access-2" });
	});

	it("runs one refresh for leases that ask at once", async () => {
		let release!: (c: AccountCredentials) => void;
		const a = makeActor({
			deps: { refresh: vi.fn(() => new Promise<AccountCredentials>((resolve) => (release = resolve))) },
		});
		a.send({ type: "lease", id: 1, rejectedAccess: "access-1" });
		a.send({ type: "lease", id: 2, rejectedAccess: "access-1" });
		await settle();
		release(creds(2));
		await settle();
		expect(a.deps.refresh).toHaveBeenCalledTimes(1);
		expect(a.of("lease-granted").map((m) => [m.id, m.access])).toEqual([
			[1, "access-2"],
			[2, "access-2"],
		]);
		// A later one refreshes again (the flight is over).
		a.send({ type: "lease", id: 3, rejectedAccess: "access-2" });
		await settle();
		expect(a.deps.refresh).toHaveBeenCalledTimes(2);
	});

	it("a refused refresh token: the account needs a login, the store is told, later leases are denied without a call", async () => {
		const a = makeActor({
			deps: {
				refresh: refreshThrows(() => new NeedsLoginError("refresh token reused")),
			},
		});
		a.send({ type: "lease", id: 1, rejectedAccess: "access-1" });
		await settle();
		expect(a.of("lease-denied")[0]).toEqual({
			type: "lease-denied",
			id: 1,
			error: { code: "E_NEEDS_LOGIN", message: "refresh token reused" },
		});
		expect(a.deps.persistNeedsLogin).toHaveBeenCalledWith("refresh token reused");
		expect(a.last()).toMatchObject({ state: "needs-login", lastError: "refresh failed: refresh token reused" });
		a.send({ type: "lease", id: 2 });
		a.send({ type: "lease", id: 3, rejectedAccess: "access-1" });
		await settle();
		expect(a.deps.refresh).toHaveBeenCalledTimes(1);
		expect(a.of("lease-denied").map((m) => [m.id, m.error.code, m.error.message])).toEqual([
			[1, "E_NEEDS_LOGIN", "refresh token reused"],
			[2, "E_NEEDS_LOGIN", "work needs a new login: refresh token reused"],
			[3, "E_NEEDS_LOGIN", "work needs a new login: refresh token reused"],
		]);
		// No refresh timer is left armed for a dead login.
		await advance(3 * HOUR);
		expect(a.deps.refresh).toHaveBeenCalledTimes(1);
	});

	it("a failed needs-login write does not stop the account from being marked", async () => {
		const a = makeActor({
			deps: {
				refresh: refreshThrows(() => new NeedsLoginError("gone")),
				persistNeedsLogin: vi.fn(async () => {
					throw new Error("disk full");
				}),
			},
		});
		a.send({ type: "lease", id: 1, rejectedAccess: "access-1" });
		await settle();
		expect(a.of("lease-denied")[0]?.error.code).toBe("E_NEEDS_LOGIN");
		expect(a.actor.snapshot().state).toBe("needs-login");
	});

	it("a transient refresh failure denies the lease and retries after min(60 s, margin / 2), not sooner", async () => {
		const refresh = vi
			.fn<ActorDeps["refresh"]>()
			.mockRejectedValueOnce(new TransientUpstreamError("token endpoint answered 503", 503))
			.mockResolvedValue(creds(2, T0 + 2 * HOUR));
		const a = makeActor({ deps: { refresh } });
		a.send({ type: "lease", id: 1, rejectedAccess: "access-1" });
		await settle();
		expect(a.of("lease-denied")[0]?.error).toEqual({
			code: "E_TRANSIENT_UPSTREAM",
			message: "token endpoint answered 503",
		});
		expect(a.last()).toMatchObject({ state: "ready", lastError: "refresh failed: token endpoint answered 503" });
		await advance(Math.min(60_000, CONFIG.refreshMarginMs / 2) - 1);
		expect(refresh).toHaveBeenCalledTimes(1);
		await advance(1);
		expect(refresh).toHaveBeenCalledTimes(2);
		expect(a.of("token").at(-1)).toMatchObject({ access: "access-2" });
	});

	it("an error that is not a DispatchError travels with the generic code", async () => {
		const a = makeActor({
			deps: {
				refresh: refreshThrows(() => new Error("boom")),
			},
		});
		a.send({ type: "lease", id: 1, rejectedAccess: "access-1" });
		await settle();
		expect(a.of("lease-denied")[0]?.error).toEqual({ code: "E_DISPATCH", message: "boom" });
	});

	it("refreshes on its own at expiry minus the margin, then again for the new token", async () => {
		const refresh = vi
			.fn<ActorDeps["refresh"]>()
			.mockImplementationOnce(async () => creds(2, Date.now() + HOUR))
			.mockImplementationOnce(async () => creds(3, Date.now() + HOUR));
		const a = makeActor({ deps: { refresh } });
		a.actor.start();
		const due = HOUR - CONFIG.refreshMarginMs;
		await advance(due - 1);
		expect(refresh).not.toHaveBeenCalled();
		await advance(1);
		expect(refresh).toHaveBeenCalledTimes(1);
		expect(a.of("token").map((m) => m.access)).toEqual(["access-1", "access-2"]);
		await advance(due - 1);
		expect(refresh).toHaveBeenCalledTimes(1);
		await advance(1);
		expect(refresh).toHaveBeenCalledTimes(2);
		await a.actor.stop();
		await advance(3 * HOUR);
		expect(refresh).toHaveBeenCalledTimes(2);
	});

	it("a token already past its margin is refreshed at once on start", async () => {
		const a = makeActor({ credentials: creds(1, T0 - MIN) });
		a.actor.start();
		await settle();
		expect(a.deps.refresh).toHaveBeenCalledTimes(1);
	});

	it("stop waits for a refresh under way (its new tokens must land) and for store writes", async () => {
		let release!: (c: AccountCredentials) => void;
		let closed = false;
		const a = makeActor({
			deps: {
				refresh: vi.fn(() => new Promise<AccountCredentials>((resolve) => (release = resolve))),
				close: async () => {
					closed = true;
				},
			},
		});
		a.send({ type: "lease", id: 1, rejectedAccess: "access-1" });
		await settle();
		let stopped = false;
		void a.actor.stop().then(() => (stopped = true));
		await settle();
		expect(stopped).toBe(false);
		release(creds(2));
		await settle();
		expect(stopped).toBe(true);
		expect(closed).toBe(true);
	});
});

describe("following the store", () => {
	it("adopts new credentials (another process refreshed): pushes the token and re-arms the refresh for them", async () => {
		const a = makeActor();
		a.actor.start();
		a.send({ type: "store-changed", label: "renamed", credentials: creds(5, T0 + 3 * HOUR), shared: {} });
		await settle();
		expect(a.of("token").at(-1)).toEqual({ type: "token", access: "access-5", expiresAt: T0 + 3 * HOUR });
		expect(a.last()).toMatchObject({ label: "renamed", tokenExpiresAt: T0 + 3 * HOUR });
		await advance(HOUR);
		expect(a.deps.refresh).not.toHaveBeenCalled();
		a.send({ type: "lease", id: 1, rejectedAccess: "access-5" });
		await settle();
		expect(a.deps.refresh).toHaveBeenCalledWith(creds(5, T0 + 3 * HOUR));
	});

	it("a new refresh token alone counts as new credentials", async () => {
		const a = makeActor({ needsLogin: { since: 1, reason: "old" } });
		a.send({ type: "store-changed", label: "work", credentials: { ...creds(1), refresh: "refresh-9" }, shared: {} });
		expect(a.actor.snapshot().state).toBe("ready");
	});

	it("a new login clears needs-login; the same credentials never do, but take the store's needs-login", () => {
		const a = makeActor({ needsLogin: { since: 1, reason: "reused" } });
		a.send({ type: "store-changed", label: "work", credentials: creds(1), shared: {} });
		expect(a.actor.snapshot().state).toBe("needs-login");
		a.send({ type: "store-changed", label: "work", credentials: creds(2), shared: {} });
		expect(a.actor.snapshot().state).toBe("ready");
		expect(a.of("token").at(-1)).toMatchObject({ access: "access-2" });
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(2),
			shared: {},
			needsLogin: { since: 2, reason: "revoked" },
		});
		expect(a.actor.snapshot().state).toBe("needs-login");
		const b = makeActor();
		b.send({
			type: "store-changed",
			label: "work",
			credentials: creds(3),
			shared: {},
			needsLogin: { since: 2, reason: "revoked" },
		});
		expect(b.actor.snapshot().state).toBe("needs-login");
		expect(b.of("token")).toEqual([]);
	});

	it("keeps its own tokens when the store still holds the ones a refresh spent", () => {
		const a = makeActor({ deps: { isSpent: (c) => c.refresh === "refresh-0" } });
		a.send({ type: "store-changed", label: "work", credentials: creds(0), shared: {} });
		a.send({ type: "lease", id: 1 });
		expect(a.of("token")).toEqual([]);
		a.send({ type: "store-changed", label: "work", credentials: creds(4), shared: {} });
		expect(a.of("token")).toEqual([{ type: "token", access: "access-4", expiresAt: T0 + HOUR }]);
	});

	it("adopts newer usage from the store, never older than its own", () => {
		const a = makeActor();
		a.send(observed({ headers: usageHeaders(20, 5) }));
		vi.setSystemTime(T0 + MIN);
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { usage: usage(70, { observedAt: T0 - 1 }) },
		});
		expect(a.actor.snapshot().usage?.primary?.usedPercent).toBe(20);
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { usage: usage(70, { observedAt: T0 }) },
		});
		expect(a.actor.snapshot().usage?.primary?.usedPercent).toBe(20);
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { usage: usage(70, { observedAt: T0 + 1 }) },
		});
		expect(a.actor.snapshot().usage?.primary?.usedPercent).toBe(70);
	});

	it("usage from the store is fresh for what is left of its TTL since it was observed", async () => {
		const a = makeActor({ shared: { usage: usage(30, { observedAt: T0 - CONFIG.usageTtlMs + 10_000 }) } });
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).not.toHaveBeenCalled();
		vi.setSystemTime(T0 + 10_000);
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).not.toHaveBeenCalled();
		vi.setSystemTime(T0 + 10_001);
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).toHaveBeenCalledTimes(1);
		// Already stale when read: polled at once.
		const b = makeActor({ shared: { usage: usage(30, { observedAt: T0 - CONFIG.usageTtlMs }) } });
		b.send({ type: "poll-usage" });
		await settle();
		expect(b.deps.fetchUsage).toHaveBeenCalledTimes(1);
	});

	it("newer usage from the store that is already stale is polled over, even when its own copy was fresh", async () => {
		const a = makeActor({ deps: { fetchUsage: vi.fn(async () => usage(1)) } });
		a.send(observed({ headers: usageHeaders(10, 10) }));
		vi.setSystemTime(T0 + CONFIG.usageTtlMs + MIN);
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { usage: usage(40, { observedAt: T0 + 1 }) },
		});
		vi.setSystemTime(T0 + 1000);
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).toHaveBeenCalledTimes(1);
	});

	it("adopts a later cooldown from the store, with its reason, and ends it on time", async () => {
		const a = makeActor({ shared: { cooldownUntil: T0 + HOUR, cooldownReason: "usage_limit_reached" } });
		a.actor.start();
		expect(a.actor.snapshot()).toMatchObject({
			state: "cooling-down",
			cooldownUntil: T0 + HOUR,
			cooldownReason: "usage_limit_reached",
		});
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { cooldownUntil: T0 + 30 * MIN, cooldownReason: "shorter" },
		});
		expect(a.actor.snapshot()).toMatchObject({ cooldownUntil: T0 + HOUR, cooldownReason: "usage_limit_reached" });
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { cooldownUntil: T0 + 2 * HOUR, cooldownReason: "longer" },
		});
		expect(a.actor.snapshot()).toMatchObject({ cooldownUntil: T0 + 2 * HOUR, cooldownReason: "longer" });
		await advance(2 * HOUR - 1);
		expect(a.actor.snapshot().state).toBe("cooling-down");
		await advance(1);
		expect(a.last()).toMatchObject({ state: "ready" });
		expect(a.last()).not.toHaveProperty("cooldownUntil");
		expect(a.last()).not.toHaveProperty("cooldownReason");
	});

	it("a cooldown in the store that is already over is not adopted", () => {
		const a = makeActor({ shared: { cooldownUntil: T0, cooldownReason: "old" } });
		expect(a.actor.snapshot()).not.toHaveProperty("cooldownUntil");
	});

	it("another process's retraction (newer usage with room, no cooldown) ends the cooldown here", () => {
		const a = makeActor();
		a.send({ type: "exhausted", reason: "usage_limit_reached", until: T0 + HOUR });
		const retract = (u: UsageSnapshot) =>
			a.send({ type: "store-changed", label: "work", credentials: creds(1), shared: { usage: u } });
		// Observed before the cooldown was set: proves nothing.
		retract(usage(10, { observedAt: T0 }));
		expect(a.actor.snapshot().state).toBe("cooling-down");
		vi.setSystemTime(T0 + MIN);
		// Newer, but exhausted: no retraction.
		retract(usage(100, { observedAt: T0 + MIN }));
		expect(a.actor.snapshot().state).toBe("cooling-down");
		// A cooldown still in the store: not a retraction.
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { usage: usage(10, { observedAt: T0 + MIN + 1 }), cooldownUntil: T0 + HOUR },
		});
		expect(a.actor.snapshot().state).toBe("cooling-down");
		retract(usage(10, { observedAt: T0 + MIN + 2 }));
		expect(a.actor.snapshot()).toMatchObject({ state: "ready" });
		expect(a.actor.snapshot()).not.toHaveProperty("cooldownReason");
		expect(a.actor.snapshot()).not.toHaveProperty("cooldownUntil");
	});
});

describe("cooldowns from answers", () => {
	it("a 429 with a reset cools the account down until then and shares it with the usage", async () => {
		const a = makeActor();
		a.send(
			observed({
				status: 429,
				headers: usageHeaders(100, 40, { p: T0 + 2 * HOUR }),
				errorBody: JSON.stringify({ error: { code: "usage_limit_reached" } }),
			}),
		);
		await settle();
		expect(a.last()).toMatchObject({
			state: "cooling-down",
			cooldownUntil: T0 + 2 * HOUR,
			cooldownReason: "usage_limit_reached",
		});
		expect(a.patches.find((p) => p.cooldownUntil)).toMatchObject({
			cooldownUntil: T0 + 2 * HOUR,
			cooldownReason: "usage_limit_reached",
			usage: { primary: { usedPercent: 100 } },
		});
		expect(a.last()).not.toHaveProperty("lastError");
	});

	it("a 429 that says nothing about its reset: the fallback guess, then a poll for the real reset", async () => {
		const resetAt = T0 + 3 * HOUR;
		const a = makeActor({
			deps: {
				fetchUsage: vi.fn(async () =>
					usage(100, { primary: { usedPercent: 100, windowMinutes: 300, resetsAt: resetAt } }),
				),
			},
		});
		a.send(observed({ status: 429, headers: {} }));
		expect(a.actor.snapshot()).toMatchObject({
			cooldownUntil: T0 + CONFIG.fallbackCooldownMs,
			cooldownReason: "usage window full",
		});
		a.send({ type: "poll-usage" });
		await settle();
		// A known reset replaces the guess, even though it is later…
		expect(a.actor.snapshot()).toMatchObject({ cooldownUntil: resetAt });
	});

	it("a known reset replaces a longer guessed cooldown; a guess never shortens a known one", async () => {
		const a = makeActor();
		a.send({ type: "exhausted", reason: "usage limit" });
		expect(a.actor.snapshot().cooldownUntil).toBe(T0 + CONFIG.fallbackCooldownMs);
		a.send({ type: "exhausted", reason: "usage_limit_reached", until: T0 + 5 * MIN });
		expect(a.actor.snapshot()).toMatchObject({ cooldownUntil: T0 + 5 * MIN, cooldownReason: "usage_limit_reached" });
		// Known now: a later guess does not replace it unless it is later…
		a.send({ type: "exhausted", reason: "usage limit", until: T0 + 4 * MIN });
		expect(a.actor.snapshot().cooldownUntil).toBe(T0 + 5 * MIN);
		// …and a shorter known one does not shorten it (the same one neither: nothing re-shared).
		const writes = a.patches.length;
		a.send({ type: "exhausted", reason: "again", until: T0 + 5 * MIN });
		await settle();
		expect(a.patches).toHaveLength(writes);
		expect(a.actor.snapshot().cooldownReason).toBe("usage_limit_reached");
		a.send({ type: "exhausted", reason: "later", until: T0 + 6 * MIN });
		expect(a.actor.snapshot()).toMatchObject({ cooldownUntil: T0 + 6 * MIN, cooldownReason: "later" });
	});

	it("a guess after a known reset only extends, and stays a guess a known reset may replace", () => {
		const a = makeActor();
		a.send({ type: "exhausted", reason: "known", until: T0 + MIN });
		a.send({ type: "exhausted", reason: "guess" });
		expect(a.actor.snapshot()).toMatchObject({
			cooldownUntil: T0 + CONFIG.fallbackCooldownMs,
			cooldownReason: "guess",
		});
		a.send({ type: "exhausted", reason: "known again", until: T0 + 2 * MIN });
		expect(a.actor.snapshot()).toMatchObject({ cooldownUntil: T0 + 2 * MIN, cooldownReason: "known again" });
		// Known replaced the guess: a shorter known one cannot come in any more.
		a.send({ type: "exhausted", reason: "shorter", until: T0 + MIN });
		expect(a.actor.snapshot().cooldownUntil).toBe(T0 + 2 * MIN);
	});

	it("an account-level refusal (402) cools down with its reason", () => {
		const a = makeActor();
		a.send(observed({ status: 402, errorBody: JSON.stringify({ detail: { code: "deactivated_workspace" } }) }));
		expect(a.actor.snapshot()).toMatchObject({ state: "cooling-down", cooldownReason: "workspace deactivated" });
		expect(a.actor.snapshot().cooldownUntil).toBeGreaterThan(T0 + 5 * HOUR);
	});

	it("a 200 whose headers show a full window with no credits cools down until that window resets", () => {
		const a = makeActor();
		a.send(observed({ headers: usageHeaders(100, 30, { p: T0 + HOUR }) }));
		expect(a.actor.snapshot()).toMatchObject({ cooldownUntil: T0 + HOUR, cooldownReason: "usage window full" });
		const b = makeActor();
		b.send(observed({ headers: usageHeaders(99, 30, { p: T0 + HOUR }) }));
		expect(b.actor.snapshot().state).toBe("ready");
	});

	it("a per-model limit's 429 spends that limit, not the account, and keeps the account's windows", async () => {
		const a = makeActor();
		a.send(observed({ headers: usageHeaders(20, 30) }));
		a.send(
			observed({
				status: 429,
				headers: {
					...usageHeaders(100, 100, { p: T0 + HOUR }),
					"x-codex-active-limit": "codex_bengalfox",
				},
				errorBody: JSON.stringify({ error: { code: "usage_limit_reached" } }),
			}),
		);
		await settle();
		expect(a.last()?.state).toBe("ready");
		expect(a.last()?.usage).toMatchObject({ primary: { usedPercent: 20 }, secondary: { usedPercent: 30 } });
		expect(a.last()?.usage?.activeLimit).toBe("codex_bengalfox");
		expect(a.last()).not.toHaveProperty("lastError");
		// With no windows seen before, none are made up.
		const b = makeActor();
		b.send(observed({ headers: { ...usageHeaders(100, 100), "x-codex-active-limit": "codex_bengalfox" } }));
		expect(b.actor.snapshot().state).toBe("ready");
		expect(b.actor.snapshot().usage).not.toHaveProperty("primary");
		expect(b.actor.snapshot().usage).not.toHaveProperty("secondary");
	});

	it("an error that is not about quota is noted with its status and code, without a cooldown", () => {
		const a = makeActor();
		a.send(observed({ status: 500, errorBody: JSON.stringify({ error: { code: "server_error" } }) }));
		expect(a.actor.snapshot()).toMatchObject({ state: "ready", lastError: "HTTP 500 server_error", lastErrorAt: T0 });
		const b = makeActor();
		b.send(observed({ status: 503 }));
		expect(b.actor.snapshot().lastError).toBe("HTTP 503");
		const c = makeActor();
		c.send(observed({ status: 200 }));
		expect(c.actor.snapshot()).not.toHaveProperty("lastError");
	});

	it("a success sent a minute or more after the cooldown began ends it here and in the store", async () => {
		const a = makeActor();
		a.send({ type: "exhausted", reason: "usage_limit_reached", until: T0 + HOUR });
		vi.setSystemTime(T0 + 2 * MIN);
		// Sent 59.999 s after: could have been answered before the bench.
		a.send(observed({ at: T0 + MIN - 1 }));
		expect(a.actor.snapshot().state).toBe("cooling-down");
		a.send(observed({ at: T0 + MIN, headers: usageHeaders(10, 10) }));
		await settle();
		expect(a.last()).toMatchObject({ state: "ready" });
		expect(a.last()).not.toHaveProperty("cooldownUntil");
		expect(a.patches.at(-1)).toMatchObject({
			retractCooldownUpTo: T0 + HOUR,
			usage: { primary: { usedPercent: 10 } },
		});
		// The timer of the ended cooldown does not fire later.
		const snapshots = a.snapshots().length;
		await advance(HOUR);
		expect(a.snapshots()).toHaveLength(snapshots);
		// The store's copy of the retracted cooldown does not bring it back.
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { cooldownUntil: T0 + HOUR, cooldownReason: "usage_limit_reached" },
		});
		expect(a.actor.snapshot().state).toBe("ready");
	});

	it("a success under a per-model limit, or an error, does not end the cooldown", () => {
		const a = makeActor();
		a.send({ type: "exhausted", reason: "r", until: T0 + HOUR });
		vi.setSystemTime(T0 + 2 * MIN);
		a.send(observed({ headers: { ...usageHeaders(10, 10), "x-codex-active-limit": "codex_other" } }));
		a.send(observed({ status: 500 }));
		expect(a.actor.snapshot().state).toBe("cooling-down");
	});

	it("a success with no cooldown, or after it ended, changes nothing in the store", async () => {
		const a = makeActor();
		a.send({ type: "exhausted", reason: "r", until: T0 + MIN });
		await advance(MIN);
		const writes = a.patches.length;
		a.send(observed({ at: T0 + 2 * MIN }));
		await settle();
		expect(a.patches).toHaveLength(writes);
	});

	it("a cooldown ending resets the windows due by then, keeps the others, and makes the next poll call", async () => {
		const a = makeActor({
			deps: { fetchUsage: vi.fn(async () => usage(0)) },
		});
		a.send(observed({ headers: usageHeaders(100, 60, { p: T0 + HOUR, s: T0 + 50 * HOUR }) }));
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).not.toHaveBeenCalled();
		await advance(HOUR);
		expect(a.last()).toMatchObject({ state: "ready" });
		expect(a.last()?.usage?.primary).toEqual({ usedPercent: 0, windowMinutes: 300 });
		expect(a.last()?.usage?.secondary).toEqual({ usedPercent: 60, windowMinutes: 10080, resetsAt: T0 + 50 * HOUR });
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).toHaveBeenCalledTimes(1);
	});

	it("a reset further than setTimeout can wait still ends on time", async () => {
		const far = T0 + 3_000_000_000;
		const a = makeActor();
		a.send({ type: "exhausted", reason: "far", until: far });
		await advance(2_000_000_001);
		expect(a.actor.snapshot().state).toBe("cooling-down");
		expect(a.actor.snapshot().cooldownUntil).toBe(far);
		await advance(far - Date.now() - 1);
		expect(a.actor.snapshot().cooldownUntil).toBe(far);
		await advance(1);
		expect(a.actor.snapshot()).not.toHaveProperty("cooldownUntil");
	});

	it("a failed cooldown write is noted; the cooldown holds", async () => {
		const a = makeActor({
			deps: {
				persistShared: vi.fn(async () => {
					throw new Error("SQLITE_BUSY");
				}),
			},
		});
		a.send({ type: "exhausted", reason: "r", until: T0 + HOUR });
		await settle();
		expect(a.last()).toMatchObject({ state: "cooling-down", lastError: "could not share cooldown: SQLITE_BUSY" });
	});
});

describe("usage", () => {
	it("usage from headers goes to the store at once, then at most every usagePersistMs", async () => {
		const a = makeActor();
		a.send(observed({ headers: usageHeaders(10, 10) }));
		await settle();
		expect(a.patches).toEqual([
			{ usage: expect.objectContaining({ primary: expect.objectContaining({ usedPercent: 10 }) }) },
		]);
		vi.setSystemTime(T0 + CONFIG.usagePersistMs - 1);
		a.send(observed({ headers: usageHeaders(11, 10) }));
		await settle();
		expect(a.patches).toHaveLength(1);
		expect(a.actor.snapshot().usage?.primary?.usedPercent).toBe(11);
		vi.setSystemTime(T0 + CONFIG.usagePersistMs);
		a.send(observed({ headers: usageHeaders(12, 10) }));
		await settle();
		expect(a.patches).toHaveLength(2);
		expect(a.patches[1]?.usage?.primary?.usedPercent).toBe(12);
	});

	it("a failed usage write is noted and the usage is shared again on stop", async () => {
		const persistShared = vi.fn<ActorDeps["persistShared"]>().mockRejectedValueOnce(new Error("locked"));
		const a = makeActor({ deps: { persistShared } });
		a.send(observed({ headers: usageHeaders(10, 10) }));
		await settle();
		expect(a.actor.snapshot().lastError).toBe("could not share usage: locked");
		persistShared.mockResolvedValue(undefined);
		await a.actor.stop();
		expect(persistShared).toHaveBeenCalledTimes(2);
		expect(persistShared.mock.calls[1]?.[0]).toEqual({ usage: expect.objectContaining({ source: "headers" }) });
	});

	it("stop shares usage the store has not seen, and only that", async () => {
		const a = makeActor();
		a.send(observed({ headers: usageHeaders(10, 10) }));
		vi.setSystemTime(T0 + 1000);
		a.send(observed({ headers: usageHeaders(15, 10) }));
		await settle();
		expect(a.patches).toHaveLength(1);
		await a.actor.stop();
		expect(a.patches).toHaveLength(2);
		expect(a.patches[1]?.usage?.primary?.usedPercent).toBe(15);
		await a.actor.stop();
		expect(a.patches).toHaveLength(2);
		const b = makeActor();
		b.send(observed({ headers: usageHeaders(10, 10) }));
		await b.actor.stop();
		expect(b.patches).toHaveLength(1);
	});

	it("poll-usage: fresh unshared header usage answers it without a call; otherwise it polls and shares at once", async () => {
		const polled = usage(42);
		const a = makeActor({ deps: { fetchUsage: vi.fn(async () => polled) } });
		a.send(observed({ headers: usageHeaders(10, 10) }));
		vi.setSystemTime(T0 + 1000);
		a.send(observed({ headers: usageHeaders(12, 10) }));
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).not.toHaveBeenCalled();
		expect(a.patches.at(-1)?.usage?.primary?.usedPercent).toBe(12);
		// Shared already and fresh: nothing to do.
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).not.toHaveBeenCalled();
		expect(a.patches).toHaveLength(2);
		// Stale: a call, shared at once whatever the throttle.
		vi.setSystemTime(T0 + 1001 + CONFIG.usageTtlMs);
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).toHaveBeenCalledTimes(1);
		expect(a.patches.at(-1)).toEqual({ usage: polled });
		expect(a.last()?.usage).toEqual(polled);
	});

	it("a poll refreshes the token first when it is due, and uses the new one", async () => {
		const a = makeActor({ credentials: creds(1, T0 + CONFIG.refreshMarginMs) });
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.refresh).toHaveBeenCalledTimes(1);
		expect(a.deps.fetchUsage).toHaveBeenCalledWith(creds(2, T0 + HOUR));
		const b = makeActor({ credentials: creds(1, T0 + CONFIG.refreshMarginMs + 1) });
		b.send({ type: "poll-usage" });
		await settle();
		expect(b.deps.refresh).not.toHaveBeenCalled();
		expect(b.deps.fetchUsage).toHaveBeenCalledWith(creds(1, T0 + CONFIG.refreshMarginMs + 1));
	});

	it("no poll for an account that needs a login, nor after stop", async () => {
		const a = makeActor({ needsLogin: { since: 1, reason: "x" } });
		a.send({ type: "poll-usage" });
		const b = makeActor();
		await b.actor.stop();
		b.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).not.toHaveBeenCalled();
		expect(b.deps.fetchUsage).not.toHaveBeenCalled();
	});

	it("a failed poll is noted; an empty answer changes nothing", async () => {
		const a = makeActor({
			deps: {
				fetchUsage: vi.fn(async () => {
					throw new TransientUpstreamError("usage endpoint answered 502", 502);
				}),
			},
		});
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.last()).toMatchObject({ lastError: "usage poll failed: usage endpoint answered 502" });
		const b = makeActor();
		b.send({ type: "poll-usage" });
		await settle();
		expect(b.deps.fetchUsage).toHaveBeenCalledTimes(1);
		expect(b.last()).not.toHaveProperty("usage");
		expect(b.patches).toEqual([]);
	});

	it("a poll that shows the account refused cools it down with the service's reason", async () => {
		const a = makeActor({
			deps: { fetchUsage: vi.fn(async () => usage(50, { refused: "spend control reached" })) },
		});
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.last()).toMatchObject({
			cooldownUntil: T0 + CONFIG.fallbackCooldownMs,
			cooldownReason: "spend control reached",
		});
	});

	it("a guessed exhaustion polls at once; usage with room shortens the guess to a one-minute re-check", async () => {
		const a = makeActor({ deps: { fetchUsage: vi.fn(async () => usage(30)) } });
		a.send(observed({ headers: usageHeaders(10, 10) }));
		a.send({ type: "exhausted", reason: "usage limit" });
		await settle();
		// Polled even though its usage was fresh: the guess needs the real picture.
		expect(a.deps.fetchUsage).toHaveBeenCalledTimes(1);
		expect(a.last()).toMatchObject({ state: "cooling-down", cooldownUntil: T0 + MIN, cooldownReason: "usage limit" });
		// The store's copy of the longer guess does not bring it back.
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { cooldownUntil: T0 + CONFIG.fallbackCooldownMs, cooldownReason: "usage limit" },
		});
		expect(a.actor.snapshot().cooldownUntil).toBe(T0 + MIN);
		await advance(MIN);
		expect(a.last()?.state).toBe("ready");
	});

	it("a known exhaustion does not poll", async () => {
		const a = makeActor();
		a.send({ type: "exhausted", reason: "r", until: T0 + HOUR });
		await settle();
		expect(a.deps.fetchUsage).not.toHaveBeenCalled();
	});

	it("a guess ending sooner than the re-check would stays as it is", async () => {
		const fetchUsage = vi.fn<ActorDeps["fetchUsage"]>().mockResolvedValueOnce(undefined).mockResolvedValue(usage(30));
		const a = makeActor({ deps: { fetchUsage } });
		a.send({ type: "exhausted", reason: "usage limit" });
		await settle();
		vi.setSystemTime(T0 + CONFIG.fallbackCooldownMs - 30_000);
		a.send({ type: "poll-usage" });
		await settle();
		expect(fetchUsage).toHaveBeenCalledTimes(2);
		expect(a.actor.snapshot()).toMatchObject({
			state: "cooling-down",
			cooldownUntil: T0 + CONFIG.fallbackCooldownMs,
		});
	});

	it("once shortened, the cooldown is known: a later known reset only extends it", async () => {
		const a = makeActor({ deps: { fetchUsage: vi.fn(async () => usage(30)) } });
		a.send({ type: "exhausted", reason: "usage limit" });
		await settle();
		expect(a.actor.snapshot().cooldownUntil).toBe(T0 + MIN);
		a.send({ type: "exhausted", reason: "shorter known", until: T0 + 30_000 });
		expect(a.actor.snapshot().cooldownUntil).toBe(T0 + MIN);
	});

	it("a long cooldown re-checked by a poll with room ends early; one no longer than the fallback does not", async () => {
		const a = makeActor({ deps: { fetchUsage: vi.fn(async () => usage(30)) } });
		a.send({ type: "exhausted", reason: "weekly", until: T0 + CONFIG.fallbackCooldownMs + 1 });
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.last()).toMatchObject({ state: "ready" });
		expect(a.patches.at(-1)).toMatchObject({ retractCooldownUpTo: T0 + CONFIG.fallbackCooldownMs + 1 });
		const b = makeActor({ deps: { fetchUsage: vi.fn(async () => usage(30)) } });
		b.send({ type: "exhausted", reason: "short", until: T0 + CONFIG.fallbackCooldownMs });
		b.send({ type: "poll-usage" });
		await settle();
		expect(b.last()).toMatchObject({ state: "cooling-down", cooldownUntil: T0 + CONFIG.fallbackCooldownMs });
	});
});

describe("edges of each decision", () => {
	it("start and shutdown messages are handled elsewhere: no error noted", () => {
		const a = makeActor();
		a.send({ type: "start" });
		a.send({ type: "shutdown" });
		expect(a.actor.snapshot()).not.toHaveProperty("lastError");
	});

	it("a cooldown read from the store at start ends on its own timer", async () => {
		const a = makeActor({ shared: { cooldownUntil: T0 + MIN, cooldownReason: "usage_limit_reached" } });
		a.actor.start();
		await advance(MIN);
		expect(a.last()).toMatchObject({ state: "ready" });
	});

	it("a cooldown read from the store is known, not a guess: a shorter known reset does not replace it", () => {
		const a = makeActor({ shared: { cooldownUntil: T0 + HOUR, cooldownReason: "usage_limit_reached" } });
		a.send({ type: "exhausted", reason: "shorter", until: T0 + 30 * MIN });
		expect(a.actor.snapshot()).toMatchObject({ cooldownUntil: T0 + HOUR, cooldownReason: "usage_limit_reached" });
	});

	it("a known reset from a 429 or a poll is not a guess: a shorter known one does not replace it", async () => {
		const a = makeActor();
		a.send(observed({ status: 429, headers: usageHeaders(100, 10, { p: T0 + 2 * HOUR }) }));
		a.send({ type: "exhausted", reason: "shorter", until: T0 + HOUR });
		expect(a.actor.snapshot().cooldownUntil).toBe(T0 + 2 * HOUR);
		const b = makeActor({
			deps: {
				fetchUsage: vi.fn(async () =>
					usage(100, { primary: { usedPercent: 100, windowMinutes: 300, resetsAt: T0 + 2 * HOUR } }),
				),
			},
		});
		b.send({ type: "poll-usage" });
		await settle();
		expect(b.actor.snapshot()).toMatchObject({ cooldownUntil: T0 + 2 * HOUR, cooldownReason: "usage window full" });
		b.send({ type: "exhausted", reason: "shorter", until: T0 + HOUR });
		expect(b.actor.snapshot().cooldownUntil).toBe(T0 + 2 * HOUR);
	});

	it("a poll's usage is shared at once, even within the usage write spacing", async () => {
		const a = makeActor({ deps: { fetchUsage: vi.fn(async () => usage(30)) } });
		a.send(observed({ headers: usageHeaders(10, 10) }));
		vi.setSystemTime(T0 + 1000);
		a.send({ type: "exhausted", reason: "usage limit" });
		await settle();
		expect(a.patches.at(-1)).toEqual({ usage: expect.objectContaining({ source: "poll" }) });
	});

	it("the shortened guess ends at the re-check, with a snapshot", async () => {
		const a = makeActor({ deps: { fetchUsage: vi.fn(async () => usage(30)) } });
		a.send({ type: "exhausted", reason: "usage limit" });
		await settle();
		await advance(MIN - 1);
		expect(a.last()?.state).toBe("cooling-down");
		await advance(1);
		expect(a.last()?.state).toBe("ready");
	});

	it("a transient refresh failure with a small margin retries after half of it", async () => {
		const refresh = vi
			.fn<ActorDeps["refresh"]>()
			.mockRejectedValueOnce(new TransientUpstreamError("down", 503))
			.mockResolvedValue(creds(2, T0 + 2 * HOUR));
		const a = makeActor({ deps: { refresh }, config: { refreshMarginMs: 60_000 } });
		a.send({ type: "lease", id: 1, rejectedAccess: "access-1" });
		await settle();
		await advance(29_999);
		expect(refresh).toHaveBeenCalledTimes(1);
		await advance(1);
		expect(refresh).toHaveBeenCalledTimes(2);
	});

	it("a new access token alone counts as new credentials", () => {
		const a = makeActor({ needsLogin: { since: 1, reason: "old" } });
		a.send({ type: "store-changed", label: "work", credentials: { ...creds(1), access: "access-9" }, shared: {} });
		expect(a.actor.snapshot().state).toBe("ready");
		expect(a.of("token").at(-1)).toMatchObject({ access: "access-9" });
	});

	it("no cooldown: no cooldown timer (fresh usage stays fresh)", async () => {
		const a = makeActor({ shared: { usage: usage(10) } });
		a.actor.start();
		await advance(1);
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).not.toHaveBeenCalled();
	});

	it("a cooldown's end makes usage stale at once (the next poll-usage calls), before its TTL", async () => {
		const a = makeActor();
		a.send(observed({ headers: usageHeaders(100, 60, { p: T0 + MIN }) }));
		await advance(MIN);
		expect(a.last()?.state).toBe("ready");
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.deps.fetchUsage).toHaveBeenCalledTimes(1);
	});

	it("another process's retraction does not end a longer cooldown of ours; nor does a store read without usage", () => {
		const a = makeActor();
		a.send({ type: "exhausted", reason: "mine", until: T0 + 2 * HOUR });
		vi.setSystemTime(T0 + MIN);
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { usage: usage(10, { observedAt: T0 + MIN }), cooldownUntil: T0 + HOUR, cooldownReason: "theirs" },
		});
		expect(a.actor.snapshot()).toMatchObject({ cooldownUntil: T0 + 2 * HOUR, cooldownReason: "mine" });
		a.send({ type: "store-changed", label: "work", credentials: creds(1), shared: {} });
		expect(a.actor.snapshot()).toMatchObject({ state: "cooling-down", cooldownReason: "mine" });
		// The store's copy of the same cooldown keeps our reason.
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { cooldownUntil: T0 + 2 * HOUR, cooldownReason: "theirs" },
		});
		expect(a.actor.snapshot().cooldownReason).toBe("mine");
	});

	it("a 400 is an error, never a success that ends a cooldown; a per-model 500 is an error too", () => {
		const a = makeActor();
		a.send({ type: "exhausted", reason: "r", until: T0 + HOUR });
		vi.setSystemTime(T0 + 2 * MIN);
		a.send(observed({ status: 400, errorBody: JSON.stringify({ error: { code: "bad" } }) }));
		expect(a.actor.snapshot()).toMatchObject({ state: "cooling-down", lastError: "HTTP 400 bad" });
		const b = makeActor();
		b.send(observed({ status: 500, headers: { ...usageHeaders(10, 10), "x-codex-active-limit": "codex_other" } }));
		expect(b.actor.snapshot().lastError).toBe("HTTP 500");
	});

	it("stop waits for store writes under way", async () => {
		let release!: () => void;
		const a = makeActor({
			deps: { persistShared: vi.fn(() => new Promise<void>((resolve) => (release = resolve))) },
		});
		a.send({ type: "exhausted", reason: "r", until: T0 + HOUR });
		let stopped = false;
		void a.actor.stop().then(() => {
			stopped = true;
		});
		await settle();
		expect(stopped).toBe(false);
		release();
		await settle();
		expect(stopped).toBe(true);
	});

	it("a refresh that lands after stop arms no timer", async () => {
		let release!: (c: AccountCredentials) => void;
		const refresh = vi.fn(() => new Promise<AccountCredentials>((resolve) => (release = resolve)));
		const a = makeActor({ deps: { refresh } });
		a.send({ type: "lease", id: 1, rejectedAccess: "access-1" });
		await settle();
		const stopping = a.actor.stop();
		release(creds(2, T0 + 10 * MIN));
		await stopping;
		await advance(3 * HOUR);
		expect(refresh).toHaveBeenCalledTimes(1);
	});

	it("a failed write never replaces newer usage still to share with the older one it carried", async () => {
		let fail!: (error: Error) => void;
		const persistShared = vi
			.fn<ActorDeps["persistShared"]>()
			.mockResolvedValueOnce(undefined)
			.mockImplementationOnce(() => new Promise<void>((_, reject) => (fail = reject)))
			.mockResolvedValue(undefined);
		const a = makeActor({ deps: { persistShared } });
		a.send(observed({ headers: usageHeaders(10, 10) }));
		vi.setSystemTime(T0 + 1000);
		a.send(observed({ headers: usageHeaders(20, 10) }));
		a.send({ type: "exhausted", reason: "r", until: T0 + HOUR });
		vi.setSystemTime(T0 + 2000);
		a.send(observed({ headers: usageHeaders(30, 10) }));
		fail(new Error("locked"));
		await settle();
		await a.actor.stop();
		expect(persistShared.mock.calls.at(-1)?.[0].usage?.primary?.usedPercent).toBe(30);
	});

	it("a shortened guess ended early stays retracted: the store's copy of the whole guess does not bring it back", async () => {
		const fetchUsage = vi.fn<ActorDeps["fetchUsage"]>().mockResolvedValueOnce(undefined).mockResolvedValue(usage(30));
		const a = makeActor({ deps: { fetchUsage } });
		a.send({ type: "exhausted", reason: "usage limit" });
		await settle();
		vi.setSystemTime(T0 + 50_000);
		a.send({ type: "poll-usage" });
		await settle();
		expect(a.actor.snapshot().cooldownUntil).toBe(T0 + 110_000);
		vi.setSystemTime(T0 + 61_000);
		a.send(observed({ at: T0 + 61_000 }));
		expect(a.actor.snapshot().state).toBe("ready");
		a.send({
			type: "store-changed",
			label: "work",
			credentials: creds(1),
			shared: { cooldownUntil: T0 + CONFIG.fallbackCooldownMs, cooldownReason: "usage limit" },
		});
		expect(a.actor.snapshot().state).toBe("ready");
	});
});
