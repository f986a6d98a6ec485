import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AccountRecord } from "../../src/store/account-record.ts";
import { AccountStore } from "../../src/store/account-store.ts";
import { claimPollLeases, type PollClaim, pollDue } from "../../src/supervisor/poll-lease.ts";

const NOW = 1_800_000_000_000;
const claim = (owner: string, extra: Partial<PollClaim> = {}): PollClaim => ({
	owner,
	now: NOW,
	staleMs: 300_000,
	leaseMs: 60_000,
	max: 10,
	eligible: () => true,
	...extra,
});
const usageAt = (observedAt: number) => ({ observedAt, source: "poll" as const });

describe("pollDue", () => {
	it("is due when usage is missing or stale and nobody holds a live lease, its own holder included", () => {
		expect(pollDue(undefined, claim("p1"))).toBe(true);
		expect(pollDue({ usage: usageAt(NOW - 299_000) }, claim("p1"))).toBe(false);
		expect(pollDue({ usage: usageAt(NOW - 300_000) }, claim("p1"))).toBe(true);
		expect(pollDue({ pollLease: { owner: "p2", until: NOW + 1 } }, claim("p1"))).toBe(false);
		expect(pollDue({ pollLease: { owner: "p1", until: NOW + 1 } }, claim("p1"))).toBe(false);
		expect(pollDue({ pollLease: { owner: "p2", until: NOW } }, claim("p1"))).toBe(true);
	});

	it("re-checks an account on a cooldown, throttled to benchedStaleMs", () => {
		const benched = (age: number) => ({ usage: usageAt(NOW - age), cooldownUntil: NOW + 86_400_000 });
		const throttled = claim("p1", { benchedStaleMs: 1_800_000 });
		expect(pollDue(benched(300_000), throttled)).toBe(false);
		expect(pollDue(benched(1_799_000), throttled)).toBe(false);
		expect(pollDue(benched(1_800_000), throttled)).toBe(true);
		// A cooldown that has ended is polled like any account.
		expect(pollDue({ usage: usageAt(NOW - 300_000), cooldownUntil: NOW }, throttled)).toBe(true);
	});
});

describe("claimPollLeases", () => {
	let home: string | undefined;
	afterEach(async () => {
		if (home) await rm(home, { recursive: true, force: true });
	});

	it("gives each due account to one claimer, up to max, skipping accounts that need a login", async () => {
		home = await mkdtemp(join(tmpdir(), "pi-dispatch-lease-"));
		const store = new AccountStore({ home });
		const record = (id: string, needsLogin = false): AccountRecord => ({
			id,
			label: id,
			credentials: { access: "a", refresh: "r", expiresAt: NOW },
			addedAt: 0,
			updatedAt: 0,
			...(needsLogin ? { needsLogin: { since: 0, reason: "x" } } : {}),
		});
		await store.update((data) => {
			data.accounts.push(record("a"), record("b"), record("c"), record("d", true));
			data.state.c = { usage: usageAt(NOW) };
		});
		expect(await claimPollLeases(store, claim("p1", { max: 1 }))).toEqual(["a"]);
		const [second, third] = await Promise.all([
			claimPollLeases(store, claim("p2")),
			claimPollLeases(store, claim("p3")),
		]);
		expect([...second, ...third]).toEqual(["b"]);
		expect((await store.read()).state.a?.pollLease).toEqual({ owner: "p1", until: NOW + 60_000 });
		// Once the lease ran out, the next claimer takes it over.
		expect(await claimPollLeases(store, claim("p2", { now: NOW + 60_000 }))).toEqual(["a", "b"]);
	});
});
