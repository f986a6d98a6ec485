import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { removeCommand } from "../../src/commands/remove.ts";
import { commandEnv, recordingUI } from "../helpers/command-harness.ts";
import { type Harness, startHarness } from "../helpers/dispatch-harness.ts";

let h: Harness;
beforeEach(async () => {
	h = await startHarness({ accounts: [{ accountId: "acct-a" }, { accountId: "acct-b" }], labels: ["alpha", "beta"] });
});
afterEach(async () => {
	await h.close();
});

const storedIds = async () => (await h.store.read()).accounts.map((a) => a.id);

describe("/dispatch-remove", () => {
	it("removes after a confirmation, with its shared state, and the pool follows", async () => {
		await h.store.update((data) => {
			data.state["acct-a"] = { cooldownUntil: Date.now() + 60_000 };
		});
		const ui = recordingUI("tui", { confirm: () => true });
		await removeCommand().run("alpha", commandEnv(h.runtime, ui));
		expect(ui.dialogs).toEqual([
			{ kind: "confirm", title: "Remove alpha?", detail: expect.stringMatching(/not touched/) },
		]);
		expect(await storedIds()).toEqual(["acct-b"]);
		expect((await h.store.read()).state["acct-a"]).toBeUndefined();
		expect(ui.notes).toEqual([{ message: "Removed alpha.", level: "info" }]);
		await vi.waitFor(() => expect(h.supervisor.accounts().map((a) => a.label)).toEqual(["beta"]));
	});

	it("keeps the account when the confirmation is declined", async () => {
		const ui = recordingUI("rpc", { confirm: () => false });
		await removeCommand().run("beta", commandEnv(h.runtime, ui));
		expect(await storedIds()).toEqual(["acct-a", "acct-b"]);
		expect(ui.notes).toEqual([{ message: "Kept beta; nothing was removed.", level: "info" }]);
	});

	it("needs --yes where no dialog exists, and takes it", async () => {
		await expect(removeCommand().run("beta", commandEnv(h.runtime, recordingUI("print")))).rejects.toMatchObject({
			name: "CommandUsageError",
		});
		expect(await storedIds()).toEqual(["acct-a", "acct-b"]);
		const ui = recordingUI("print");
		await removeCommand().run("beta --yes", commandEnv(h.runtime, ui));
		expect(await storedIds()).toEqual(["acct-a"]);
		expect(ui.dialogs).toEqual([]);
	});

	it("picks the account with a dialog when no label is given", async () => {
		const ui = recordingUI("tui", { select: () => "beta", confirm: () => true });
		await removeCommand().run("", commandEnv(h.runtime, ui));
		expect(ui.dialogs[0]).toEqual({
			kind: "select",
			title: "Remove which Codex account?",
			options: ["alpha", "beta"],
		});
		expect(await storedIds()).toEqual(["acct-a"]);
	});

	it("lists the known labels for an unknown one", async () => {
		const error = await removeCommand()
			.run("gamma --yes", commandEnv(h.runtime, recordingUI("print")))
			.catch((e: unknown) => e);
		expect(error).toMatchObject({ name: "UnknownLabelError" });
		expect((error as Error).message).toContain("Known labels: alpha, beta.");
		expect(await storedIds()).toEqual(["acct-a", "acct-b"]);
	});
});
