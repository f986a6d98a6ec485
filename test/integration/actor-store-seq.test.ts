/**
 * A cooldown another process put in the store counts while this process's actor has not taken it in
 * yet. Found by the multi-process bench: an actor thread started just before the store had the
 * cooldown reported "ready" (its report followed the older store state) while the store-changed
 * waited in its queue, and the process routed requests to the exhausted account.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { offlineAccount, offlineActor } from "../helpers/offline-actor.ts";

describe("an actor's report and the store's newer cooldown", () => {
	it("the store's cooldown counts until the actor's reports follow the store state that carried it", async () => {
		const home = await mkdtemp(join(tmpdir(), "pi-dispatch-seq-"));
		const account = offlineAccount("acct-a", "a");
		const actor = offlineActor(account, home, new URL("../fixtures/actor/late-store-actor.ts", import.meta.url));
		try {
			const ready = actor.activate();
			// The thread was started with the store as it was (no cooldown) …
			await eventually(() => expect(actor.threads).toBeGreaterThan(0));
			// … then another process's 429 lands in the store.
			const until = Date.now() + 3_600_000;
			actor.updateFromStore(account, { cooldownUntil: until, cooldownReason: "usage_limit_reached" });
			await ready;
			// The actor's "ready" follows the older store state: the cooldown still counts.
			expect(actor.snapshot).toMatchObject({ state: "cooling-down", cooldownUntil: until, activation: "active" });
			// Once its reports follow the newer state, they have the last word (here: it retracted it).
			actor.tell({ type: "poll-usage" });
			await eventually(() => expect(actor.snapshot.state).toBe("ready"));
			expect(actor.snapshot.cooldownUntil).toBeUndefined();
		} finally {
			await actor.stop();
			await rm(home, { recursive: true, force: true });
		}
	});
});
