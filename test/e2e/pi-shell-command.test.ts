/**
 * `pi-dispatch` from the shell, as real child processes, on the pool a running pi (RPC mode)
 * shares: what the shell changes (a cap, a removal, a login) reaches pi at once, and what pi
 * learnt the shell reads; read commands print JSON with --json; errors are one line.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { authorizeRedirect } from "../fixtures/auth/fake-browser.ts";
import { createPiWorld, type PiWorld, seenUsage } from "./helpers/pi-world.ts";
import { RpcPi } from "./helpers/rpc-pi.ts";
import { finished, runShell, startShell, waitForOutput } from "./helpers/shell-command.ts";

let world: PiWorld;
let pi: RpcPi | undefined;
beforeEach(async () => {
	world = await createPiWorld();
});
afterEach(async () => {
	await pi?.close();
	pi = undefined;
	await world.close();
});

describe("pi-dispatch (shell) beside a running pi", () => {
	it("status, cap, recheck, use, login and remove act on the pool pi routes from", async () => {
		await world.seed(
			[
				// alpha's weekly window resets first: pi prefers it, until the cap.
				{
					accountId: "acct-a",
					email: "a@example.test",
					secondary: { usedPercent: 60, windowMinutes: 10080, resetsInSeconds: 3600 },
				},
				{
					accountId: "acct-b",
					email: "b@example.test",
					secondary: { usedPercent: 10, windowMinutes: 10080, resetsInSeconds: 90_000 },
				},
			],
			["alpha", "beta"],
		);
		// What the pool last saw, so pi's first choice is decided before any usage poll lands.
		await world.store.update((data) => {
			data.state["acct-a"] = { usage: seenUsage(60, 3_600_000) };
			data.state["acct-b"] = { usage: seenUsage(10, 90_000_000) };
		});
		world.fake.addAccount({ accountId: "acct-c", email: "c@example.test" });
		pi = new RpcPi(world);
		const rpc = pi;
		await rpc.ask("first");
		expect(world.fake.requests.filter((r) => r.route === "responses").map((r) => r.accountId)).toEqual(["acct-a"]);

		// status --json: the full fields, read while pi runs.
		const status = await runShell(world, ["status", "--json"]);
		expect(status.code).toBe(0);
		const json = JSON.parse(status.stdout);
		expect(json.accounts.map((a: { label: string }) => a.label)).toEqual(["alpha", "beta"]);
		expect(Object.keys(json.accounts[0])).toEqual(expect.arrayContaining(["email", "state", "fiveHour", "actor"]));
		expect(json.accounts[0].weekly.usedPercent).toBeGreaterThanOrEqual(60);

		// The usage pi saw in its answer's headers is in the pool's history, for the shell to read.
		const history = JSON.parse((await runShell(world, ["status", "--history", "alpha", "--json"])).stdout);
		expect(history.label).toBe("alpha");
		expect(history.samples.length).toBeGreaterThanOrEqual(1);
		expect(history.samples.at(-1)).toMatchObject({ weekly: expect.any(Number), at: expect.any(String) });
		const chart = await runShell(world, ["status", "--history", "alpha"]);
		expect(chart.stdout).toMatch(/^alpha: weekly use, last 7 days · now \d+%/);

		// status as text: fits 80 columns.
		const text = await runShell(world, ["status"]);
		expect(text.code).toBe(0);
		expect(text.stdout.split("\n")[1]).toMatch(/^LABEL\s+PLAN\s+STATE\s+5H\s+WEEKLY\s+BURN\s+AGE$/);
		for (const line of text.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);

		// cap: stored in the pool; pi, already running, routes around alpha from the next request.
		const cap = await runShell(world, ["cap", "alpha", "weekly", "50%"]);
		expect(cap).toMatchObject({
			code: 0,
			stdout: "Caps: alpha, weekly: 50 %. A soft cap is crossed only when no other account can serve.\n",
		});
		const capJson = JSON.parse((await runShell(world, ["cap", "--json"])).stdout);
		expect(capJson.byLabel).toEqual({ alpha: { weekly: { percent: 50 } }, beta: {} });
		await rpc.ask("second");
		expect(world.fake.requests.filter((r) => r.route === "responses").map((r) => r.accountId)).toEqual([
			"acct-a",
			"acct-b",
		]);
		let from = rpc.events.length;
		await rpc.prompt("/dispatch-status");
		expect(rpc.notifications(from).at(-1)?.message).toMatch(/alpha\s+plus\s+at cap 50 %/);

		// recheck: asks the service now.
		const before = world.fake.requests.filter((r) => r.route === "usage").length;
		const recheck = await runShell(world, ["recheck", "beta", "--json"]);
		expect(recheck.code).toBe(0);
		expect(JSON.parse(recheck.stdout)).toEqual([
			{ label: "beta", state: "available", answered: true, weeklyUsedPercent: expect.any(Number) },
		]);
		expect(world.fake.requests.filter((r) => r.route === "usage").length).toBe(before + 1);

		// use: checks the account and prints the variable for pi processes a script starts.
		expect(await runShell(world, ["use", "beta"])).toMatchObject({ code: 0, stdout: "PI_DISPATCH_USE=beta\n" });
		const unknown = await runShell(world, ["use", "nobody"]);
		expect(unknown.code).toBe(1);
		expect(unknown.stderr).toBe('pi-dispatch use: No account is labelled "nobody". Known labels: alpha, beta.\n');

		// login: the URL is printed; the redirect is pasted on stdin (no browser on this machine).
		const login = startShell(world, ["login", "gamma"]);
		const url = (await waitForOutput(login, /https?:\/\/\S+\/oauth\/authorize\S+/)).trim();
		const redirect = await authorizeRedirect(url);
		login.stdin.write(`${redirect.toString()}\n`);
		const loggedIn = await finished(login);
		expect(loggedIn.code).toBe(0);
		expect(loggedIn.stdout).toMatch(/^Logged in c@example\.test .*; added as gamma\.$/m);
		from = rpc.events.length;
		await rpc.prompt("/dispatch-status");
		expect(rpc.notifications(from).at(-1)?.message).toMatch(/\ngamma\s/);

		// remove: refuses without --yes when stdin has no answer; pi drops the account at once.
		const refused = await runShell(world, ["remove", "beta"]);
		expect(refused.stdout).toBe("Kept beta; nothing was removed.\n");
		expect(await runShell(world, ["remove", "beta", "--yes"])).toMatchObject({
			code: 0,
			stdout: "Removed beta.\n",
		});
		from = rpc.events.length;
		await rpc.prompt("/dispatch-status");
		expect(rpc.notifications(from).at(-1)?.message).not.toMatch(/\nbeta\s/);

		for (const secret of world.secrets()) {
			expect(status.stdout + text.stdout + loggedIn.stdout + loggedIn.stderr).not.toContain(secret);
		}
	});

	it("says what is wrong in one line: unknown command, bad arguments, no accounts", async () => {
		const bad = await runShell(world, ["frobnicate"]);
		expect(bad).toMatchObject({
			code: 2,
			stdout: "",
			stderr: 'pi-dispatch frobnicate: unknown command "frobnicate"; run pi-dispatch --help.\n',
		});
		const cap = await runShell(world, ["cap", "x", "daily", "5%"]);
		expect(cap.code).toBe(2);
		expect(cap.stderr).toMatch(
			/^pi-dispatch cap: Usage: pi-dispatch cap <label>\|--all <5h\|weekly> <N%\|off> \[--hard\]/,
		);
		const empty = await runShell(world, ["status", "--json"]);
		expect(empty.code).toBe(1);
		expect(empty.stderr).toMatch(
			/^pi-dispatch status: pi-dispatch has no Codex accounts yet\. Run pi-dispatch login/,
		);
		expect(empty.stderr.trim().split("\n")).toHaveLength(1);
	});
});
