import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { offlineAccount, offlineActor } from "../helpers/offline-actor.ts";

describe("the actor's TypeScript entry (a checkout without a build)", () => {
	it("starts under Node's type stripping and answers a lease", async () => {
		const home = await mkdtemp(join(tmpdir(), "pi-dispatch-src-"));
		const actor = offlineActor(
			offlineAccount("acct-src", "src"),
			home,
			new URL("../../workers/account-actor.ts", import.meta.url),
		);
		try {
			await actor.activate();
			expect(actor.snapshot.state).toBe("ready");
			expect(actor.snapshot.threadId).toBeGreaterThan(0);
			await expect(actor.lease()).resolves.toMatchObject({ access: "not-a-real-token" });
		} finally {
			await actor.stop();
			await rm(home, { recursive: true, force: true });
		}
	});
});
