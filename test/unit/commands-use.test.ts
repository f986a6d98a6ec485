import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SessionWatch } from "../../src/commands/session-watch.ts";
import { useCommand } from "../../src/commands/use.ts";
import { commandEnv, recordingUI } from "../helpers/command-harness.ts";
import { type Harness, startHarness } from "../helpers/dispatch-harness.ts";

let h: Harness;
beforeEach(async () => {
	h = await startHarness({
		accounts: [
			{ accountId: "acct-a", email: "a@example.test" },
			{ accountId: "acct-b", email: "b@example.test" },
		],
		labels: ["alpha", "beta"],
		editRecord: (record) => {
			record.email = record.id === "acct-a" ? "a@example.test" : "b@example.test";
		},
	});
	// Usage known for both, so states are settled before the tests look.
	await vi.waitFor(() => expect(h.supervisor.accounts().every((a) => a.snapshot.usage)).toBe(true));
});
afterEach(async () => {
	await h.close();
});

describe("/dispatch-use", () => {
	it("pins the named account for this session only", async () => {
		const ui = recordingUI("rpc");
		await useCommand().run("beta", commandEnv(h.runtime, ui));
		expect(h.supervisor.pinnedAccount("session-1")).toBe("acct-b");
		expect(h.supervisor.pinnedAccount("another-session")).toBeUndefined();
		expect(ui.notes).toEqual([
			{
				message: "This session now uses beta until it runs out of quota; then pi-dispatch rotates again.",
				level: "info",
			},
		]);
		expect(h.supervisor.choose("session-1", new Set())?.id).toBe("acct-b");
	});

	it("names the known labels when the label is unknown", async () => {
		const ui = recordingUI("rpc");
		const error = await useCommand()
			.run("gamma", commandEnv(h.runtime, ui))
			.catch((e: unknown) => e);
		expect(error).toMatchObject({ name: "UnknownLabelError", code: "E_UNKNOWN_LABEL" });
		expect((error as Error).message).toContain("alpha, beta");
		expect(h.supervisor.pinnedAccount("session-1")).toBeUndefined();
	});

	it("offers a picker without an argument, and does nothing when it is dismissed", async () => {
		const ui = recordingUI("tui", { select: (_title, options) => options[0] });
		await useCommand().run("", commandEnv(h.runtime, ui));
		expect(ui.dialogs[0]?.options).toEqual([
			"alpha  a@example.test · available · week 0%",
			"beta  b@example.test · available · week 0%",
		]);
		expect(h.supervisor.pinnedAccount("session-1")).toBe("acct-a");

		const dismissed = recordingUI("tui", { select: () => undefined });
		await useCommand().run("", commandEnv(h.runtime, dismissed, { sessionKey: "session-2" }));
		expect(h.supervisor.pinnedAccount("session-2")).toBeUndefined();
		expect(dismissed.notes).toEqual([]);
	});

	it("asks for a label where no picker exists (print mode)", async () => {
		await expect(useCommand().run("", commandEnv(h.runtime, recordingUI("print")))).rejects.toMatchObject({
			name: "CommandUsageError",
		});
	});

	it("refuses an account that cannot serve", async () => {
		h.supervisor.markExhausted("acct-a", Date.now() + 3_600_000);
		await expect(useCommand().run("alpha", commandEnv(h.runtime, recordingUI("rpc")))).rejects.toMatchObject({
			name: "AccountUnavailableError",
			label: "alpha",
		});
	});

	it("completes labels from the running pool", () => {
		const use = useCommand();
		expect(use.complete?.("", { runtime: h.runtime })).toEqual(["alpha", "beta"]);
		expect(use.complete?.("B", { runtime: h.runtime })).toEqual(["beta"]);
		expect(use.complete?.("z", { runtime: h.runtime })).toEqual([]);
	});

	it("tells the user once when rotation clears the pin", async () => {
		const ui = recordingUI("tui");
		const watch = new SessionWatch(h.supervisor, "session-1", ui, { redrawDelayMs: 1 });
		try {
			await useCommand().run("alpha", commandEnv(h.runtime, ui, { session: watch }));
			expect(ui.statuses.at(-1)).toBe("codex: alpha, pinned · week 0%");

			h.supervisor.markExhausted("acct-a", Date.now() + 3_600_000);
			h.supervisor.markExhausted("acct-a", Date.now() + 3_600_000);
			expect(h.supervisor.pinnedAccount("session-1")).toBeUndefined();
			const warnings = ui.notes.filter((n) => n.level === "warning");
			expect(warnings).toEqual([
				{
					message:
						"alpha ran out of quota: the /dispatch-use pin is cleared and pi-dispatch picks accounts again.",
					level: "warning",
				},
			]);
		} finally {
			watch.stop();
		}
	});
});
