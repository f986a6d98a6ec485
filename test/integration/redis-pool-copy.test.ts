import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { poolCopyCommand } from "../../src/commands/pool-copy.ts";
import { statusCommand } from "../../src/commands/status.ts";
import { RedisPoolStore } from "../../src/store/redis/redis-store.ts";
import type { RedisStoreConfig } from "../../src/store/store-config.ts";
import { commandEnv, recordingUI } from "../helpers/command-harness.ts";
import { type Harness, startHarness } from "../helpers/dispatch-harness.ts";
import { findRedisServer, REDIS_SKIP_REASON, RedisServer } from "../helpers/redis-server.ts";

let h: Harness | undefined;
afterEach(async () => {
	await h?.close();
	h = undefined;
});

describe("/dispatch-pool-copy on the file store", () => {
	it("says in one line that there is no Redis pool to copy to", async () => {
		h = await startHarness({ accounts: [{ accountId: "acct-a" }] });
		const ui = recordingUI("rpc");
		const error = await poolCopyCommand()
			.run(`to-redis ${h.home}`, commandEnv(h.runtime, ui))
			.catch((e: unknown) => e as Error);
		expect(error).toMatchObject({ code: "E_COMMAND_USAGE" });
		expect((error as Error).message).toContain("PI_DISPATCH_REDIS_URL");
		expect((error as Error).message).not.toContain("\n");
		await expect(poolCopyCommand().run("to-redis relative/dir", commandEnv(h.runtime, ui))).rejects.toMatchObject({
			code: "E_COMMAND_USAGE",
		});
		await expect(poolCopyCommand().run("sideways", commandEnv(h.runtime, ui))).rejects.toMatchObject({
			code: "E_COMMAND_USAGE",
		});
	});
});

describe.skipIf(!findRedisServer())(
	`/dispatch-pool-copy${findRedisServer() ? "" : ` (skipped: ${REDIS_SKIP_REASON})`}`,
	() => {
		let server: RedisServer;
		beforeAll(async () => {
			server = await RedisServer.start();
		});
		afterAll(async () => {
			await server?.dispose();
		});

		it("copies the file pool into Redis and back, one record per account, the newer login winning", async () => {
			const prefix = `copy-${randomUUID()}:`;
			// The harness seeds its accounts into the file pool of its folder; the supervisor runs on Redis.
			h = await startHarness({
				accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }],
				supervisor: { store: { kind: "redis", home: "/placeholder", url: server.url, prefix } },
			});
			const config: RedisStoreConfig = { kind: "redis", home: h.home, url: server.url, prefix };
			const redis = new RedisPoolStore(config);
			try {
				expect(h.supervisor.accounts()).toEqual([]);
				const ui = recordingUI("rpc");
				await poolCopyCommand().run(`to-redis ${h.home}`, commandEnv(h.runtime, ui));
				expect((await redis.read()).accounts.map((a) => a.id)).toEqual(["acct-a", "acct-b"]);
				expect(ui.notes[0]?.message).toMatch(/: 2 added, 0 updated with newer logins, 0 already there\.$/);
				expect(ui.notes[1]?.level).toBe("warning");
				expect(h.supervisor.accounts().map((a) => a.id)).toEqual(["acct-a", "acct-b"]);

				// Again: nothing doubles.
				await poolCopyCommand().run(`to-redis ${h.home}`, commandEnv(h.runtime, ui));
				expect((await redis.read()).accounts).toHaveLength(2);
				expect(ui.notes.at(-1)?.message).toMatch(/: 0 added, 0 updated with newer logins, 2 already there\.$/);

				// Redis rotated acct-a since: copied back, the newer login replaces the file's spent one.
				await redis.update((d) => {
					const a = d.accounts.find((r) => r.id === "acct-a")!;
					a.credentials = { ...a.credentials, refresh: "refresh-rotated" };
					a.updatedAt = Date.now() + 1000;
				});
				await poolCopyCommand().run(`to-file ${h.home}`, commandEnv(h.runtime, ui));
				expect(ui.notes.at(-2)?.message).toMatch(/: 0 added, 1 updated with newer logins, 1 already there\.$/);
				const file = await h.store.read();
				expect(file.accounts.map((a) => [a.id, a.credentials.refresh === "refresh-rotated"])).toEqual([
					["acct-a", true],
					["acct-b", false],
				]);
				expect(ui.allText()).not.toMatch(/refresh-rotated|eyJ/);
			} finally {
				redis.close();
			}
		});

		it("Redis gone: requests are still served from memory, /dispatch-status says the store is unreachable", async () => {
			const own = await RedisServer.start();
			try {
				const prefix = `down-${randomUUID()}:`;
				h = await startHarness({
					accounts: [{ accountId: "acct-a" }],
					supervisor: {
						store: { kind: "redis", home: "/placeholder", url: own.url, prefix, connectTimeoutMs: 300 },
					},
				});
				const ui = recordingUI("print");
				await poolCopyCommand().run(`to-redis ${h.home}`, commandEnv(h.runtime, ui));
				expect((await h.ask("before")).text).toBe("Hello from acct-a.");
				await own.stop(true);
				const during = await h.ask("while Redis is down");
				expect(during.message.stopReason).toBe("stop");
				expect(during.text).toBe("Hello from acct-a.");
				await statusCommand().run("", commandEnv(h.runtime, ui));
				const shown = ui.shown.at(-1)?.lines?.join("\n") ?? "";
				expect(shown).toMatch(/store unreachable since \d\d:\d\d:\d\d \(\w+/);
				expect(shown).toContain("acct-a");
			} finally {
				await own.dispose();
			}
		});
	},
);
