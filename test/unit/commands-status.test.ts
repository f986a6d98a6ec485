import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SessionWatch } from "../../src/commands/session-watch.ts";
import { statusCommand } from "../../src/commands/status.ts";
import { renderStatusTable } from "../../src/commands/status-table.ts";
import type { ActorSnapshot } from "../../src/protocol/messages.ts";
import type { AccountView } from "../../src/supervisor/supervisor.ts";
import { commandEnv, recordingUI } from "../helpers/command-harness.ts";
import { type Harness, startHarness } from "../helpers/dispatch-harness.ts";

const NOW = new Date(2026, 0, 5, 12, 0, 0).getTime();
const MIN = 60_000;

function view(label: string, snapshot: Partial<ActorSnapshot>, extra: Partial<AccountView> = {}): AccountView {
	return {
		id: `id-${label}`,
		label,
		email: `${label}@example.test`,
		plan: "plus",
		snapshot: {
			accountId: `id-${label}`,
			label,
			state: "ready",
			inFlight: 0,
			activation: "active",
			startedAt: NOW - 3 * MIN,
			restarts: 0,
			...snapshot,
		},
		...extra,
	};
}

const usage = (primary: number, weekly: number) => ({
	primary: { usedPercent: primary, windowMinutes: 300, resetsAt: NOW + 100 * MIN },
	secondary: { usedPercent: weekly, windowMinutes: 10080, resetsAt: NOW + 3 * 24 * 60 * MIN },
	observedAt: NOW - 45_000,
	source: "poll" as const,
});

describe("renderStatusTable", () => {
	it("labels windows by their length, shows credits, and one row per spent per-model limit", () => {
		const free = {
			primary: { usedPercent: 99, windowMinutes: 10080, resetsAt: NOW + 3 * 24 * 60 * MIN },
			observedAt: NOW - 45_000,
			source: "headers" as const,
		};
		const month = {
			primary: { usedPercent: 100, windowMinutes: 43200, resetsAt: NOW + 100 * MIN },
			credits: { hasCredits: true, unlimited: false, balance: "12.40" },
			observedAt: NOW - 45_000,
			source: "poll" as const,
		};
		const limited = {
			...usage(10, 20),
			limits: [
				{
					id: "codex_bengalfox",
					name: "gpt-5.3-codex-spark",
					primary: { usedPercent: 100, windowMinutes: 300, resetsAt: NOW + 100 * MIN },
				},
			],
		};
		const lines = renderStatusTable({
			accounts: [
				view("free", { usage: free }),
				view("month", { usage: month }),
				view("pro", { usage: limited, limitCooldowns: { codex_bengalfox: NOW + 100 * MIN } }),
			],
			session: {},
			now: NOW,
			file: "/pool.db",
		});
		const cells = (line: string | undefined) => line?.split(/\s{2,}/);
		// The Free plan's only window is weekly: it goes under WEEKLY, and 5H is empty.
		expect(cells(lines[2])?.slice(3, 6)).toEqual(["available", "-", "99% (Thu 12:00)"]);
		expect(cells(lines[3])?.slice(3, 6)).toEqual(["available (on credits, balance 12.40)", "-", "30d 100% (13:40)"]);
		expect(cells(lines[4])?.slice(3, 6)).toEqual(["available", "10% (13:40)", "20% (Thu 12:00)"]);
		expect(lines[5]).toMatch(/^ {2}└ gpt-5\.3-codex-spark\s+cooling down until 13:40\s+100% \(13:40\)/);
		// With credits turned off, the same account waits for its reset.
		const never = renderStatusTable({
			accounts: [view("month", { usage: month })],
			session: {},
			now: NOW,
			file: "/pool.db",
			credits: "never",
		});
		expect(cells(never[2])?.[3]).toBe("plan quota used; credits not spent (/dispatch-credits), balance 12.40");
	});

	it("shows state, usage with reset times, data age and actor health in one row per account", () => {
		const lines = renderStatusTable({
			accounts: [
				view("main", { usage: usage(12, 40), inFlight: 2 }),
				view("spare", { usage: usage(0, 5) }),
				view("spent", {
					state: "cooling-down",
					cooldownUntil: NOW + 160 * MIN,
					usage: usage(100, 70),
					restarts: 1,
				}),
				view("old", { state: "needs-login", lastError: "refresh failed: The refresh token was already used" }),
				view("flaky", { state: "restarting", lastError: "actor crashed: boom", lastErrorAt: NOW - 2 * MIN }),
			],
			session: { activeId: "id-main" },
			now: NOW,
			file: "/home/u/.pi/agent/pi-dispatch/accounts.json",
		});
		expect(lines[0]).toBe("pi-dispatch: 5 accounts (/home/u/.pi/agent/pi-dispatch/accounts.json)");
		expect(lines[1]).toMatch(
			/^LABEL\s+EMAIL\s+PLAN\s+STATE\s+5H USED\s+WEEKLY USED\s+USAGE AGE\s+UPTIME\s+RESTARTS\s+IN FLIGHT\s+LAST ERROR$/,
		);
		const cells = (line: string | undefined) => line?.split(/\s{2,}/);
		expect(cells(lines[2])).toEqual([
			"main",
			"main@example.test",
			"plus",
			"active here",
			"12% (13:40)",
			"40% (Thu 12:00)",
			"45s ago",
			"3m",
			"0",
			"2",
			"-",
		]);
		expect(cells(lines[3])?.[3]).toBe("available");
		expect(cells(lines[4])?.slice(3, 5)).toEqual(["cooling down until 14:40", "100% (13:40)"]);
		expect(cells(lines[4])?.[8]).toBe("1");
		expect(cells(lines[5])?.slice(3, 7)).toEqual(["needs login", "-", "-", "-"]);
		expect(cells(lines[5])?.at(-1)).toBe("refresh failed: The refresh token was already used");
		expect(cells(lines[6])?.[3]).toBe("restarting");
		expect(cells(lines[6])?.at(-1)).toBe("actor crashed: boom (2m ago)");
		// Columns line up.
		const stateColumn = lines[1]!.indexOf("STATE");
		for (const line of lines.slice(2)) expect(line[stateColumn - 1]).toBe(" ");
	});

	it("marks a pinned account, and an account whose usage window is full as cooling down", () => {
		const lines = renderStatusTable({
			accounts: [view("pinned", { usage: usage(1, 1) }), view("full", { usage: usage(20, 100) })],
			session: { activeId: "id-pinned", pinnedId: "id-pinned" },
			now: NOW,
			file: "f",
		});
		expect(lines[2]).toContain("active here (pinned)");
		expect(lines[3]).toContain("cooling down until Thu 12:00");
	});

	it("never shows a token that an error message quoted", () => {
		const jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig";
		const lines = renderStatusTable({
			accounts: [view("a", { lastError: `upstream said Bearer ${jwt} refresh_token=rt_secret123` })],
			session: {},
			now: NOW,
			file: "f",
		});
		expect(lines.join("\n")).not.toMatch(/eyJ|rt_secret123/);
	});
});

describe("/dispatch-status", () => {
	let h: Harness;
	beforeEach(async () => {
		h = await startHarness({
			accounts: [
				{ accountId: "acct-a" },
				{ accountId: "acct-b", secondary: { usedPercent: 100, windowMinutes: 10080, resetsInSeconds: 7200 } },
			],
			labels: ["alpha", "beta"],
		});
	});
	afterEach(async () => {
		await h.close();
	});

	it("prints the table once in RPC and print mode, after the first usage polls", async () => {
		const ui = recordingUI("rpc");
		await statusCommand().run("", commandEnv(h.runtime, ui));
		expect(ui.shown).toHaveLength(1);
		const text = ui.shown[0]!.lines!.join("\n");
		expect(text).toMatch(/alpha\s+-\s+plus\s+available\s+0% \(/);
		expect(text).toMatch(/beta\s+-\s+plus\s+cooling down until \d\d:\d\d\s+0% \(\d\d:\d\d\)\s+100% \(/);
		expect(text).not.toMatch(/eyJ/);
	});

	it("is a live widget in the TUI that /dispatch-status hide removes", async () => {
		const ui = recordingUI("tui");
		const watch = new SessionWatch(h.supervisor, "session-1", ui, { redrawDelayMs: 1 });
		try {
			await statusCommand().run("", commandEnv(h.runtime, ui, { session: watch }));
			expect(ui.shown.at(-1)?.key).toBe("pi-dispatch-status");
			const before = ui.shown.length;
			// Any change of the pool redraws it.
			h.supervisor.markExhausted("acct-a", Date.now() + 60 * MIN);
			await h.supervisor.reload();
			await vi.waitFor(() => expect(ui.shown.length).toBeGreaterThan(before));
			await statusCommand().run("hide", commandEnv(h.runtime, ui, { session: watch }));
			expect(ui.shown.at(-1)).toEqual({ key: "pi-dispatch-status", lines: undefined });
			const hidden = ui.shown.length;
			await h.supervisor.reload();
			await new Promise((resolve) => setTimeout(resolve, 20));
			expect(ui.shown.length).toBe(hidden);
		} finally {
			watch.stop();
		}
	});

	it("says how to add an account when there is none", async () => {
		await h.store.update((data) => {
			data.accounts = [];
		});
		await h.supervisor.reload();
		const ui = recordingUI("print");
		await statusCommand().run("", commandEnv(h.runtime, ui));
		expect(ui.notes).toEqual([
			{ message: expect.stringMatching(/no Codex accounts yet.*\/dispatch-login/), level: "info" },
		]);
	});

	it("rejects unknown arguments", async () => {
		await expect(statusCommand().run("everything", commandEnv(h.runtime, recordingUI()))).rejects.toMatchObject({
			name: "CommandUsageError",
		});
	});
});
