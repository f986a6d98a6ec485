/**
 * /dispatch-cap and /dispatch-recheck on a real supervisor, real actors and the fake backend:
 * what they store is what routing and every other process follow.
 */
import { afterEach, describe, expect, it } from "vitest";
import { capCommand } from "../../src/commands/cap.ts";
import { recheckCommand } from "../../src/commands/recheck.ts";
import { removeCommand } from "../../src/commands/remove.ts";
import { onSessionStart } from "../../src/commands/session-hooks.ts";
import { AccountStore } from "../../src/store/account-store.ts";
import { commandEnv, recordingUI } from "../helpers/command-harness.ts";
import { type Harness, startHarness, usedAccount } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let h: Harness | undefined;
afterEach(async () => {
	await h?.close();
	h = undefined;
});

describe("/dispatch-cap", () => {
	it("stores the cap in the pool; routing skips a capped account while another can serve", async () => {
		h = await startHarness({ accounts: [usedAccount("acct-a", 92, 1), usedAccount("acct-b", 40, 100)] });
		const ui = recordingUI("rpc");
		expect(h.supervisor.choose(undefined, new Set())?.id).toBe("acct-a");
		await capCommand().run("acct-a weekly 90%", commandEnv(h.runtime, ui));
		expect(ui.notes.at(-1)?.message).toMatch(/^Caps: acct-a, weekly: 90 %\./);
		expect(h.supervisor.choose(undefined, new Set())?.id).toBe("acct-b");
		// Soft: crossed when nothing else can serve.
		expect(h.supervisor.choose(undefined, new Set(["acct-b"]))).toMatchObject({ id: "acct-a", overCap: true });
		await capCommand().run("acct-a weekly 90% --hard", commandEnv(h.runtime, ui));
		expect(h.supervisor.choose(undefined, new Set(["acct-b"]))).toBeUndefined();
		// In the pool: a fresh reader (another process) sees it.
		const other = new AccountStore({ home: h.home });
		expect((await other.read()).settings?.caps).toEqual({
			accounts: { "acct-a": { weekly: { percent: 90, hard: true } } },
		});
		other.close();
		await capCommand().run("acct-a weekly off", commandEnv(h.runtime, ui));
		expect(ui.notes.at(-1)?.message).toMatch(/^No caps/);
		expect(h.supervisor.choose(undefined, new Set())?.id).toBe("acct-a");
		await expect(capCommand().run("nobody weekly 50%", commandEnv(h.runtime, ui))).rejects.toMatchObject({
			name: "UnknownLabelError",
		});
	});
});

describe("/dispatch-recheck", () => {
	it("asks the service now and ends the cooldown of an account that can serve again", async () => {
		h = await startHarness({ accounts: [usedAccount("acct-a", 100, 48), usedAccount("acct-b", 30, 100)] });
		await eventually(() => expect(h!.supervisor.actor("acct-a")!.snapshot.cooldownUntil).toBeGreaterThan(Date.now()));
		const ui = recordingUI("rpc");
		await recheckCommand().run("acct-a", commandEnv(h.runtime, ui));
		expect(ui.notes.at(-1)?.message).toMatch(/^acct-a: cooling down until .*, weekly 100% used$/);

		// An early reset (or credits bought): the service now shows room.
		h.fake.setUsage("acct-a", { secondary: { usedPercent: 5 } });
		await recheckCommand().run("acct-a", commandEnv(h.runtime, ui));
		expect(ui.notes.at(-1)?.message).toBe("acct-a: available, weekly 5% used");
		expect(h.supervisor.choose(undefined, new Set(["acct-b"]))?.id).toBe("acct-a");
		const other = new AccountStore({ home: h.home });
		await eventually(async () => expect((await other.read()).state["acct-a"]?.cooldownUntil).toBeUndefined());
		other.close();
	});
});

describe("PI_DISPATCH_USE and removal", () => {
	it("a session of a process started with PI_DISPATCH_USE=<label> starts pinned; removing an account drops its caps", async () => {
		h = await startHarness({ accounts: [usedAccount("acct-a", 10, 1), usedAccount("acct-b", 40, 100)] });
		const ui = recordingUI("rpc");
		const runtime = { ...h.runtime, config: { ...h.runtime.config, use: "acct-b" } };
		await onSessionStart(commandEnv(runtime as typeof h.runtime, ui, { sessionKey: "s1" }));
		expect(h.supervisor.pinnedAccount("s1")).toBe("acct-b");
		expect(h.supervisor.choose("s1", new Set())).toMatchObject({ id: "acct-b", reason: "pinned" });
		const unknown = { ...h.runtime, config: { ...h.runtime.config, use: "nobody" } };
		await onSessionStart(commandEnv(unknown as typeof h.runtime, ui, { sessionKey: "s2" }));
		expect(ui.notes.at(-1)).toEqual({
			message: "PI_DISPATCH_USE=nobody: no such account (accounts: acct-a, acct-b).",
			level: "warning",
		});

		await capCommand().run("acct-b weekly 50%", commandEnv(h.runtime, ui));
		await capCommand().run("--all 5h 90%", commandEnv(h.runtime, ui));
		await removeCommand().run("acct-b --yes", commandEnv(h.runtime, ui));
		expect((await h.store.read()).settings?.caps).toEqual({ all: { "5h": { percent: 90 } } });
	});
});
