import { afterEach, describe, expect, it } from "vitest";
import { creditsCommand } from "../../src/commands/credits.ts";
import { AccountStore } from "../../src/store/account-store.ts";
import { commandEnv, recordingUI } from "../helpers/command-harness.ts";
import { type Harness, startHarness, usedAccount } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let h: Harness | undefined;
afterEach(async () => {
	await h?.close();
	h = undefined;
});

describe("/dispatch-credits", () => {
	it("stores the pool's credits policy, which routing follows, and which another process reads", async () => {
		h = await startHarness({
			accounts: [{ ...usedAccount("acct-a", 100, 1), credits: { hasCredits: true, balance: "5" } }],
		});
		const ui = recordingUI("rpc");
		await creditsCommand().run("", commandEnv(h.runtime, ui));
		expect(ui.notes.at(-1)?.message).toMatch(/^Credits: last-resort: /);
		expect(h.supervisor.choose(undefined, new Set())).toMatchObject({ id: "acct-a", onCredits: true });

		await creditsCommand().run("never", commandEnv(h.runtime, ui));
		expect(ui.notes.at(-1)?.message).toMatch(/^Credits: never: pi-dispatch spends no credits/);
		expect(h.supervisor.choose(undefined, new Set())).toBeUndefined();
		// In the pool: a fresh reader (another process) sees it.
		const other = new AccountStore({ home: h.home });
		expect((await other.read()).settings).toEqual({ credits: "never" });
		other.close();
		const result = await h.ask("hi");
		expect(result.message.stopReason).toBe("error");

		await creditsCommand().run("last-resort", commandEnv(h.runtime, ui));
		await eventually(() => expect(h!.supervisor.choose(undefined, new Set())?.id).toBe("acct-a"));
	});

	it("refuses anything else, and says when PI_DISPATCH_CREDITS overrides the pool here", async () => {
		h = await startHarness({ accounts: [usedAccount("acct-a", 10, 1)], supervisor: { credits: "never" } });
		const ui = recordingUI("rpc");
		await expect(creditsCommand().run("always", commandEnv(h.runtime, ui))).rejects.toMatchObject({
			name: "CommandUsageError",
		});
		await creditsCommand().run("last-resort", commandEnv(h.runtime, ui));
		expect(ui.notes.at(-1)?.message).toMatch(/^Credits: never: .*PI_DISPATCH_CREDITS overrides/);
	});
});
