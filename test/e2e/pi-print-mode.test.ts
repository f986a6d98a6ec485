/**
 * `pi -p` with pi-dispatch: a prompt answered through the pool (and a failover on the way), the
 * status table on stdout, and every bad input as one line on stderr, never a stack trace.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect } from "vitest";
import { failoverNoticeLine, SHOWN_TIME } from "../helpers/shown-time.ts";
import { createPiWorld, itWithWorld, type PiWorld, type PrintResult, runPrint, seenUsage } from "./helpers/pi-world.ts";

const it = itWithWorld;

function expectOneLineErrors(world: PiWorld, result: PrintResult): void {
	expect(result.stderr).not.toMatch(/^\s+at /m);
	for (const secret of world.secrets()) expect(result.stdout + result.stderr).not.toContain(secret);
}

const DAY = 86_400_000;
const PROBE = fileURLToPath(new URL("../fixtures/pi/dispatch-probe.ts", import.meta.url));

/** alpha and beta; alpha's week resets soonest, so the policy tries it first, and it is out of quota. */
async function seedFailover(world: PiWorld): Promise<void> {
	await world.seed([{ accountId: "acct-a" }, { accountId: "acct-b" }], ["alpha", "beta"]);
	await world.store.update((data) => {
		data.state["acct-a"] = { usage: seenUsage(10, 1 * DAY) };
		data.state["acct-b"] = { usage: seenUsage(20, 6 * DAY) };
	});
	world.fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 7200 });
}

describe.concurrent("pi -p with pi-dispatch", () => {
	it("answers through the pool, fails over before the first token, and exits promptly", async ({ world }) => {
		await seedFailover(world);
		const result = await runPrint(world, "say hi");
		expect(result.code).toBe(0);
		expect(result.stdout).toBe("Hello from acct-b.\n");
		expect(result.stderr).toMatch(failoverNoticeLine("alpha", "beta"));
		expectOneLineErrors(world, result);
		// The answer is printed while pi shuts down: worker threads and timers must not keep it alive.
		expect(result.exitAfterOutputMs).toBeLessThan(2000);
	});

	it("turns on no promise hook in pi, and runs pi-ai's Codex client module without its lazy layer", async ({
		world,
	}) => {
		// A failover: the pool's store is read, leased and written during the run.
		await seedFailover(world);
		const out = join(world.root, "probe.json");
		world.env.PI_DISPATCH_PROBE_OUT = out;
		const result = await runPrint(world, "say hi", undefined, [PROBE]);
		expect(result.stdout).toBe("Hello from acct-b.\n");
		// Every promise pi makes would pay a promise hook; the client module is found on the first attempt.
		expect(JSON.parse(await readFile(out, "utf8"))).toEqual({
			promiseHookOn: false,
			codexClients: [{ mode: "direct", detail: "openai-codex-responses.js" }],
		});
	});

	it("serves on credits when every plan quota is spent, and not with PI_DISPATCH_CREDITS=never", async ({ world }) => {
		const full = { usedPercent: 100, windowMinutes: 43_200, resetsInSeconds: 86_400 };
		await world.seed(
			[
				{
					accountId: "acct-a",
					plan: "free",
					primary: full,
					secondary: null,
					credits: { hasCredits: true, balance: "9.5" },
				},
				{ accountId: "acct-b", primary: full },
			],
			["alpha", "beta"],
		);
		const served = await runPrint(world, "say hi");
		expect(served.stdout).toBe("Hello from acct-a.\n");
		expect(served.code).toBe(0);
		expectOneLineErrors(world, served);

		world.env.PI_DISPATCH_CREDITS = "never";
		const refused = await runPrint(world, "say hi");
		expect(refused.code).not.toBe(0);
		expect(refused.stderr).toMatch(/alpha/);
		expectOneLineErrors(world, refused);
		// alpha, known to be on credits, gets no request; beta (usage unknown so far) meets its 429.
		const asked = world.fake.requests.filter((r) => r.route === "responses").map((r) => r.accountId);
		expect(asked.filter((id) => id === "acct-a")).toHaveLength(1);
	});

	for (const transport of ["sse", "websocket", "auto"]) {
		it(`exits right after answering over ${transport}, with the actors' first usage polls still running`, async ({
			world,
		}) => {
			world.fake.websocket = "serve";
			world.env.PI_DISPATCH_TRANSPORT = transport;
			// No usage seen yet: the actor polls wham/usage (and writes the store) as pi shuts down.
			await world.seed([{ accountId: "acct-a" }], ["alpha"]);
			const result = await runPrint(world, "say hi", 60_000);
			expect(result.stdout).toBe("Hello from acct-a.\n");
			expect(result.code).toBe(0);
			const served = world.fake.requests.filter((r) => r.route === "responses" && r.status === 200);
			expect(served.map((r) => r.websocket ?? false)).toEqual([transport !== "sse"]);
			// A socket or thread left open would hold pi for a minute or more.
			expect(result.exitAfterOutputMs).toBeLessThan(10_000);
		});
	}

	it("prints /dispatch-status as a table on stdout", async ({ world }) => {
		await world.seed([{ accountId: "acct-a", email: "a@example.test" }], ["alpha"]);
		const result = await runPrint(world, "/dispatch-status");
		expect(result.code).toBe(0);
		const lines = result.stdout.trimEnd().split("\n");
		expect(lines[0]).toBe(`pi-dispatch: 1 account (${world.store.file})`);
		expect(lines[1]).toMatch(/^LABEL\s+PLAN\s+STATE\s+5H\s+WEEKLY\s+BURN\s+AGE$/);
		expect(lines[2]).toMatch(
			new RegExp(String.raw`^alpha\s+plus\s+available\s+0% ${SHOWN_TIME}\s+0% \w{3}( \d+)? \d\d:\d\d\s+\S+\s+\d+s$`),
		);
		expectOneLineErrors(world, result);
	});

	it("names a corrupt pool database in one line, keeps it and a backup, and answers nothing", async ({ world }) => {
		await world.seed([{ accountId: "acct-a" }]);
		world.store.close();
		await writeFile(world.store.file, '{"schema": 1, "accounts": ['.repeat(100));
		const result = await runPrint(world, "say hi");
		expect(result.code).toBe(1);
		const lines = result.stderr.trim().split("\n");
		expect(lines.length).toBeLessThanOrEqual(2);
		for (const line of lines) expect(line).toContain(`${world.store.file} is unreadable (file is not a database)`);
		expect(result.stdout).toBe("");
		const kept = await readdir(world.home);
		expect(kept).toContain("pool.db");
		expect(kept.some((name) => name.startsWith("pool.db.corrupt-"))).toBe(true);
		expectOneLineErrors(world, result);
	});

	it("says how to add an account when there is none", async ({ world }) => {
		const result = await runPrint(world, "say hi");
		expect(result.code).toBe(1);
		expect(result.stderr.trim()).toBe(
			"pi-dispatch has no Codex accounts yet. Run /dispatch-login to add one (or /dispatch-import).",
		);
	});

	it("reports an account whose login expired, and a dead network, in one line", async ({ world }) => {
		await world.seed([{ accountId: "acct-a" }, { accountId: "acct-b" }], ["alpha", "beta"]);
		await world.store.update((data) => {
			data.accounts[0]!.needsLogin = { since: Date.now(), reason: "The refresh token was already used" };
		});
		// Nothing listens there any more: every connection is refused.
		const dead = await createPiWorld();
		const deadUrl = dead.fake.baseUrl;
		await dead.close();
		world.env.PI_DISPATCH_CODEX_BASE_URL = deadUrl;
		const result = await runPrint(world, "say hi");
		expect(result.code).toBe(1);
		const message = result.stderr.trim();
		expect(message.split("\n")).toHaveLength(1);
		expect(message).toMatch(
			/^pi-dispatch: no Codex account could serve this request \(alpha: needs login; beta: .*\)\. Last error: /,
		);
		expectOneLineErrors(world, result);
	});
});
