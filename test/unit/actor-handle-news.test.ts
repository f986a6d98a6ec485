/**
 * A healthy answer reaches the account's actor only when it is news (issue 15: no message on the
 * healthy path unless it carries news). The handle stays dormant here: what it would tell is kept
 * in its mailbox, and `observe` says whether it told.
 */
import { afterEach, describe, expect, it } from "vitest";
import { rateLimitPairs } from "../../src/dispatch/observing-fetch.ts";
import type { ActorHandle } from "../../src/supervisor/actor-handle.ts";
import { ACTOR_DEFAULTS } from "../../src/supervisor/supervisor-options.ts";
import { offlineAccount, offlineActor } from "../helpers/offline-actor.ts";

const HALF_PERSIST = ACTOR_DEFAULTS.usagePersistMs / 2;
const T0 = 1_000_000;

function usageHeaders(over: Record<string, string> = {}): Record<string, string> {
	return {
		"x-codex-active-limit": "codex",
		"x-codex-primary-used-percent": "12",
		"x-codex-primary-window-minutes": "300",
		"x-codex-primary-reset-after-seconds": "4000",
		"x-codex-secondary-used-percent": "40",
		"x-codex-secondary-reset-after-seconds": "90000",
		...over,
	};
}

let actor: ActorHandle | undefined;
afterEach(async () => {
	await actor?.stop();
	actor = undefined;
});

function dormantActor(): ActorHandle {
	actor = offlineActor(offlineAccount("acct-a", "alpha"), "/nonexistent", new URL("file:///never-started.js"));
	return actor;
}

const MODEL = "gpt-5.1-codex";

/** Observes a success as the dispatcher does: its headers, and the same as pairs with its model. */
function observeOk(a: ActorHandle, headers: Record<string, string>, at: number, model = MODEL): boolean {
	return a.observe({ status: 200, headers, at }, { usage: rateLimitPairs(headers), model });
}

describe("ActorHandle.observe: only news is told", () => {
	it("tells the first answer, then not the same usage again, whatever the seconds-to-reset say", () => {
		const a = dormantActor();
		expect(observeOk(a, usageHeaders(), T0)).toBe(true);
		expect(observeOk(a, usageHeaders(), T0 + 1)).toBe(false);
		const ticked = usageHeaders({
			"x-codex-primary-reset-after-seconds": "3999",
			"x-codex-secondary-reset-after-seconds": "89999",
		});
		expect(observeOk(a, ticked, T0 + 2)).toBe(false);
	});

	it("tells usage that moved, a header that came or went, and the same usage again once half the persist interval passed", () => {
		const a = dormantActor();
		observeOk(a, usageHeaders(), T0);
		expect(observeOk(a, usageHeaders({ "x-codex-primary-used-percent": "13" }), T0 + 1)).toBe(true);
		const withFamily = usageHeaders({
			"x-codex-primary-used-percent": "13",
			"x-codex-bengalfox-primary-used-percent": "5",
		});
		expect(observeOk(a, withFamily, T0 + 2)).toBe(true);
		expect(observeOk(a, usageHeaders({ "x-codex-primary-used-percent": "13" }), T0 + 3)).toBe(true);
		expect(observeOk(a, usageHeaders({ "x-codex-primary-used-percent": "13" }), T0 + 3 + HALF_PERSIST)).toBe(true);
	});

	it("tells the same usage for another model (the model's limit is learnt from it)", () => {
		const a = dormantActor();
		observeOk(a, usageHeaders(), T0);
		expect(observeOk(a, usageHeaders(), T0 + 1, "gpt-5.3-codex-spark")).toBe(true);
		expect(observeOk(a, usageHeaders(), T0 + 2, "gpt-5.3-codex-spark")).toBe(false);
	});

	it("always tells an error answer, and the success after it", () => {
		const a = dormantActor();
		observeOk(a, usageHeaders(), T0);
		expect(a.observe({ status: 429, headers: usageHeaders(), errorBody: "{}", at: T0 + 1 })).toBe(true);
		expect(a.observe({ status: 429, headers: usageHeaders(), errorBody: "{}", at: T0 + 2 })).toBe(true);
		expect(observeOk(a, usageHeaders(), T0 + 3)).toBe(true);
		expect(observeOk(a, usageHeaders(), T0 + 4)).toBe(false);
	});

	it("tells snapshot listeners of a stream's end when its answer was news or it failed, not otherwise", () => {
		const a = dormantActor();
		let snapshots = 0;
		a.on("snapshot", () => snapshots++);
		const stream = (headers: Record<string, string> | undefined, at: number, error?: string) => {
			a.streamStarted();
			if (headers) observeOk(a, headers, at);
			a.streamEnded(error);
		};
		stream(usageHeaders(), T0);
		expect(snapshots).toBe(1);
		stream(usageHeaders(), T0 + 1);
		expect(snapshots).toBe(1);
		stream(usageHeaders({ "x-codex-primary-used-percent": "14" }), T0 + 2);
		expect(snapshots).toBe(2);
		stream(undefined, T0 + 3, "stream broke off");
		expect(snapshots).toBe(3);
		expect(a.snapshot.lastError).toBe("stream broke off");
	});
});
