import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ActorHandle } from "../../src/supervisor/actor-handle.ts";
import { ACTIVATION_DEFAULTS, ACTOR_DEFAULTS, RESTART_DEFAULTS } from "../../src/supervisor/supervisor-options.ts";

describe("the actor's TypeScript entry (a checkout without a build)", () => {
	it("starts under Node's type stripping and answers a lease", async () => {
		const home = await mkdtemp(join(tmpdir(), "pi-dispatch-src-"));
		const actor = new ActorHandle({
			account: {
				id: "acct-src",
				label: "src",
				credentials: { access: "not-a-real-token", refresh: "r", expiresAt: Date.now() + 3_600_000 },
				addedAt: 0,
				updatedAt: 0,
			},
			shared: {},
			config: {
				...ACTOR_DEFAULTS,
				// Unreachable: nothing here needs the network.
				codexBaseUrl: "http://127.0.0.1:9",
				auth: {
					tokenUrl: "http://127.0.0.1:9/oauth/token",
					authorizeUrl: "",
					clientId: "",
					redirectUri: "",
					scope: "",
				},
				home,
			},
			restart: RESTART_DEFAULTS,
			idleMs: ACTIVATION_DEFAULTS.idleMs,
			workerUrl: new URL("../../workers/account-actor.ts", import.meta.url),
		});
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
