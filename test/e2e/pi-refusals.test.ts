/**
 * `pi -p` meeting account-level refusals: a deactivated workspace and a model the plan does not
 * offer move the request to another account before the first token, and the status says why.
 */
import { describe, expect } from "vitest";
import { itWithWorld, MODEL, type PiWorld, runPrint, seenUsage } from "./helpers/pi-world.ts";

/** The model id as the service sees it (pi names it `provider/id`). */
const MODEL_ID = MODEL.slice(MODEL.indexOf("/") + 1);

const it = itWithWorld;

/** acct-a and acct-b; acct-a's week resets soonest, so the policy tries it first. */
async function seedTwo(world: PiWorld, labels: [string, string], planOfFirst?: string): Promise<void> {
	await world.seed(
		[{ accountId: "acct-a", ...(planOfFirst ? { plan: planOfFirst } : {}) }, { accountId: "acct-b" }],
		labels,
	);
	await world.store.update((data) => {
		data.state["acct-a"] = { usage: seenUsage(10, 1 * DAY) };
		data.state["acct-b"] = { usage: seenUsage(20, 6 * DAY) };
	});
}
const DAY = 86_400_000;

describe.concurrent("pi -p and account-level refusals", () => {
	it("a deactivated workspace: the request moves on, the pool remembers it, the status names it", async ({
		world,
	}) => {
		await seedTwo(world, ["alpha", "beta"]);
		world.fake.setFault("acct-a", { kind: "deactivated-workspace" });
		const first = await runPrint(world, "say hi");
		expect(first.code).toBe(0);
		expect(first.stdout).toBe("Hello from acct-b.\n");
		expect(first.stderr).toMatch(/^alpha workspace deactivated until (\w{3} )?\d\d:\d\d → beta$/m);

		// The next pi process skips alpha without asking it.
		const second = await runPrint(world, "say hi again");
		expect(second.stdout).toBe("Hello from acct-b.\n");
		const toAlpha = world.fake.requests.filter((r) => r.route === "responses" && r.accountId === "acct-a");
		expect(toAlpha).toHaveLength(1);

		const status = await runPrint(world, "/dispatch-status");
		const lines = status.stdout.split("\n");
		const alpha = lines.findIndex((line) => line.startsWith("alpha "));
		expect(lines[alpha]).toContain("workspace deactivated");
		// The re-check time is on the └ line under the row (the STATE cell is kept short).
		expect(lines[alpha + 1]).toMatch(/└ workspace deactivated \(checked again (\w{3} )?\d\d:\d\d\)/);
	});

	it("a model the plan refuses: served by another account; refused by all, one error naming each", async ({
		world,
	}) => {
		await seedTwo(world, ["free", "plus"], "free");
		world.fake.setFault("acct-a", { kind: "model-not-supported" });
		const served = await runPrint(world, "say hi");
		expect(served.code).toBe(0);
		expect(served.stdout).toBe("Hello from acct-b.\n");
		expect(served.stderr).toContain(`free model not on this plan (${MODEL_ID}) → plus`);

		world.fake.setFault("acct-b", { kind: "model-not-supported" });
		const refused = await runPrint(world, "say hi");
		// The pool remembered free's refusal: this process did not ask it again.
		const asked = world.fake.requests.filter((r) => r.route === "responses").map((r) => r.accountId);
		expect(asked).toEqual(["acct-a", "acct-b", "acct-b"]);
		expect(refused.code).not.toBe(0);
		expect(refused.stdout).toBe("");
		expect(refused.stderr).toContain(`free: model not on this plan (${MODEL_ID})`);
		expect(refused.stderr).toContain(`plus: model not on this plan (${MODEL_ID})`);
		// Nothing was cooled down: the accounts serve other models.
		const state = (await world.store.read()).state;
		expect(state["acct-a"]?.cooldownUntil).toBeUndefined();
		expect(state["acct-b"]?.cooldownUntil).toBeUndefined();
	});
});
