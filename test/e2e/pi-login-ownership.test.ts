/**
 * pi-dispatch owns pi's `openai-codex` login: a login pi stored, even one that expired and cannot
 * be refreshed, never stops a pooled request, and pi never refreshes it; on the first start with
 * an empty pool, pi's login becomes the pool's first account, said once.
 */
import { describe, expect } from "vitest";
import { itWithWorld, runPrint } from "./helpers/pi-world.ts";

const it = itWithWorld;

describe.concurrent("pi's own Codex login with pi-dispatch", () => {
	it("an expired login pi cannot refresh does not block a pooled request, and pi leaves it alone", async ({
		world,
	}) => {
		await world.seed([{ accountId: "acct-a" }], ["alpha"]);
		world.fake.addAccount({ accountId: "acct-old" });
		await world.writePiLogin("acct-old", { expired: true });
		const stored = await world.readPiAuth();
		const result = await runPrint(world, "say hi");
		expect(result.stderr).not.toMatch(/OAuth refresh failed/);
		expect(result.stdout).toBe("Hello from acct-a.\n");
		expect(result.code).toBe(0);
		// pi spent no refresh token: its stored login is as it was, and the fake saw no refresh.
		expect(await world.readPiAuth()).toEqual(stored);
		expect(world.fake.requests.filter((r) => r.route === "token")).toEqual([]);
	});

	it("takes pi's stored login into an empty pool on the first start, with one notice, once", async ({ world }) => {
		world.fake.addAccount({ accountId: "acct-pi", email: "pi@example.test" });
		await world.writePiLogin("acct-pi");
		const first = await runPrint(world, "say hi");
		expect(first.stdout).toBe("Hello from acct-pi.\n");
		expect(first.code).toBe(0);
		expect(first.stderr.trim().split("\n")).toEqual([
			"pi-dispatch took over pi's ChatGPT login (pi@example.test (plus)) as account-1; it refreshes that login from now on.",
		]);
		const second = await runPrint(world, "say hi");
		expect(second.stdout).toBe("Hello from acct-pi.\n");
		expect(second.stderr.trim()).toBe("");
		expect((await world.store.read()).accounts.map((a) => a.id)).toEqual(["acct-pi"]);
		for (const secret of world.secrets()) expect(first.stderr + second.stderr).not.toContain(secret);
	});
});
