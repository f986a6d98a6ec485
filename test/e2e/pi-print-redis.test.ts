/**
 * The real pi CLI on two machines sharing one pool on Redis: each machine is its own pi agent
 * folder and pi-dispatch state folder; only PI_DISPATCH_REDIS_URL (and the prefix) joins them.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisPoolStore } from "../../src/store/redis/redis-store.ts";
import { type FakeCodex, startFakeCodex } from "../fake-codex/index.ts";
import { seedAccounts } from "../helpers/dispatch-harness.ts";
import { offlinePiEnv } from "../helpers/offline-pi-env.ts";
import { findRedisServer, REDIS_SKIP_REASON, RedisServer } from "../helpers/redis-server.ts";
import { failoverNoticeLine } from "../helpers/shown-time.ts";
import { type PiWorld, runPrint, seenUsage } from "./helpers/pi-world.ts";

const DAY = 86_400_000;

interface Machine {
	root: string;
	home: string;
	env: NodeJS.ProcessEnv;
}

describe.skipIf(!findRedisServer())(
	`pi -p on two machines, one Redis pool${findRedisServer() ? "" : ` (skipped: ${REDIS_SKIP_REASON})`}`,
	() => {
		let server: RedisServer;
		let fake: FakeCodex;
		let base: string;
		beforeAll(async () => {
			server = await RedisServer.start();
			fake = await startFakeCodex();
			base = await mkdtemp(join(tmpdir(), "pi-dispatch-e2e-redis-"));
		});
		afterAll(async () => {
			await fake?.close();
			await server?.dispose();
			await rm(base, { recursive: true, force: true });
		});

		async function machine(name: string, prefix: string): Promise<Machine> {
			const root = join(base, name);
			const folders = {
				home: join(root, "dispatch"),
				agentDir: join(root, "agent"),
				codexHome: join(root, "codex"),
			};
			await Promise.all([
				mkdir(folders.agentDir, { recursive: true }),
				mkdir(folders.codexHome, { recursive: true }),
			]);
			await writeFile(join(folders.agentDir, "settings.json"), JSON.stringify({ retry: { enabled: false } }));
			const env = {
				...offlinePiEnv(fake, folders),
				PI_DISPATCH_REDIS_URL: server.url,
				PI_DISPATCH_REDIS_PREFIX: prefix,
				BROWSER: "true",
				DISPLAY: "",
			};
			return { root, home: folders.home, env };
		}

		it("a 429 on machine 1 → machine 2 sends that account nothing", { timeout: 180_000 }, async () => {
			const prefix = `e2e-${randomUUID()}:`;
			const [m1, m2] = [await machine("laptop", prefix), await machine("devbox", prefix)];
			const pool = new RedisPoolStore({ kind: "redis", home: m1.home, url: server.url, prefix });
			try {
				await seedAccounts(pool, fake, {
					accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }],
					labels: ["alpha", "beta"],
				});
				// alpha's week resets soonest, so the policy tries it first (and meets the 429).
				await pool.update((data) => {
					data.state["acct-a"] = { usage: seenUsage(10, DAY) };
					data.state["acct-b"] = { usage: seenUsage(20, 6 * DAY) };
				});
				fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 3600 }, { times: 1 });
				const world = (m: Machine) => ({ env: m.env, root: m.root }) as unknown as PiWorld;

				const first = await runPrint(world(m1), "on the laptop", 60_000);
				expect(first.code, first.stderr).toBe(0);
				expect(first.stdout).toBe("Hello from acct-b.\n");
				expect(first.stderr).toMatch(failoverNoticeLine("alpha", "beta"));
				expect((await pool.read()).state["acct-a"]?.cooldownUntil).toBeGreaterThan(Date.now() + 3000_000);

				for (const prompt of ["on the dev box", "again", "and again"]) {
					const result = await runPrint(world(m2), prompt, 60_000);
					expect(result.code, result.stderr).toBe(0);
					expect(result.stdout).toBe("Hello from acct-b.\n");
					// An idle Redis connection must not hold pi after it answered (one left open would hold it for good).
					expect(result.exitAfterOutputMs).toBeLessThan(10_000);
				}
				const toA = fake.requests.filter((r) => r.route === "responses" && r.accountId === "acct-a");
				expect(toA.map((r) => r.status)).toEqual([429]);
				// Neither machine keeps a pool of its own, and no lock is left.
				for (const m of [m1, m2]) {
					expect((await readdir(m.home).catch(() => [])).filter((n) => n.startsWith("pool.db"))).toEqual([]);
				}
				expect(await pool.leases()).toEqual([]);
			} finally {
				pool.close();
			}
		});
	},
);
