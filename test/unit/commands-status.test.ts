import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SessionWatch } from "../../src/commands/session-watch.ts";
import { statusCommand } from "../../src/commands/status.ts";
import { renderStatusTable } from "../../src/commands/status-table.ts";
import type { ActorSnapshot } from "../../src/protocol/messages.ts";
import type { AccountView } from "../../src/supervisor/supervisor.ts";
import { accountView } from "../helpers/account-view.ts";
import { commandEnv, recordingUI } from "../helpers/command-harness.ts";
import { type Harness, startHarness } from "../helpers/dispatch-harness.ts";

const NOW = new Date(2026, 0, 5, 12, 0, 0).getTime();
const MIN = 60_000;

function view(label: string, snapshot: Partial<ActorSnapshot>, extra: Partial<AccountView> = {}): AccountView {
	return accountView(
		`id-${label}`,
		label,
		{ startedAt: NOW - 3 * MIN, ...snapshot },
		{ email: `${label}@example.test`, plan: "plus", ...extra },
	);
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
		expect(cells(lines[2])?.slice(2, 5)).toEqual(["available", "-", "99% Thu 12:00"]);
		expect(cells(lines[3])?.slice(2, 5)).toEqual(["on credits (12.40)", "-", "30d 100% 13:40"]);
		expect(cells(lines[4])?.slice(2, 5)).toEqual(["available", "10% 13:40", "20% Thu 12:00"]);
		expect(lines[5]).toBe("  └ gpt-5.3-codex-spark: 5h 100% 13:40 · cooling → 13:40");
		// With credits turned off, the same account waits for its reset.
		const never = renderStatusTable({
			accounts: [view("month", { usage: month })],
			session: {},
			now: NOW,
			file: "/pool.db",
			credits: "never",
		});
		expect(cells(never[2])?.[2]).toBe("credits not spent");
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
		expect(lines[1]).toMatch(/^LABEL\s+PLAN\s+STATE\s+5H\s+WEEKLY\s+BURN\s+AGE$/);
		const cells = (line: string | undefined) => line?.split(/\s{2,}/);
		expect(cells(lines[2])).toEqual(["main", "plus", "active here", "12% 13:40", "40% Thu 12:00", "-", "45s"]);
		expect(cells(lines[3])?.[2]).toBe("available");
		expect(cells(lines[4])?.slice(2, 4)).toEqual(["cooling → 14:40", "100% 13:40"]);
		expect(lines[5]).toBe("  └ restarted 1×");
		expect(cells(lines[6])?.slice(2, 5)).toEqual(["needs login", "-", "-"]);
		expect(lines[7]).toBe("  └ refresh failed: The refresh token was already used");
		expect(cells(lines[8])?.[2]).toBe("restarting");
		expect(lines[9]).toBe("  └ actor crashed: boom (2m ago)");
		// Columns line up.
		const stateColumn = lines[1]!.indexOf("STATE");
		for (const line of lines.slice(2).filter((l) => !l.startsWith("  └"))) expect(line[stateColumn - 1]).toBe(" ");
	});

	it("fits 80 columns however long the fields, with the cap and the day of far resets", () => {
		const long = "a-very-long-label-of-32-chars-xx";
		const lines = renderStatusTable({
			accounts: [
				view(
					long,
					{ usage: usage(12, 92), lastError: "x".repeat(300), lastErrorAt: NOW - MIN },
					{ plan: "enterprise" },
				),
				view("spent", { state: "cooling-down", cooldownUntil: NOW + 3 * 24 * 60 * MIN, usage: usage(100, 70) }),
			],
			session: {},
			now: NOW,
			file: `/home/u/${"deep/".repeat(30)}pool.db`,
			caps: { all: { weekly: { percent: 90 } } },
			burn: new Map([[`id-${long}`, 1.234]]),
			footer: [`pool: ${"runway ".repeat(20)}`],
		});
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
		expect(lines[0]).toMatch(/^pi-dispatch: 2 accounts \(\/home\/u\/deep.*….*deep\/pool\.db\)$/);
		expect(lines[2]).toMatch(/^a-very-long…\s+ente…\s+at cap 90 %\s+12% 13:40\s+92% Thu 12:00\s+1\.2%\/h\s+45s$/);
		expect(lines[3]).toMatch(/^ {2}└ x+…$/);
		expect(lines[4]).toMatch(/cooling → Thu 12:00/);
		expect(lines.at(-1)).toMatch(/^pool: (runway )+\S*…$/);
	});

	it("marks a pinned account, and an account whose usage window is full as cooling down", () => {
		const lines = renderStatusTable({
			accounts: [view("pinned", { usage: usage(1, 1) }), view("full", { usage: usage(20, 100) })],
			session: { activeId: "id-pinned", pinnedId: "id-pinned" },
			now: NOW,
			file: "f",
		});
		expect(lines[2]).toContain("active (pinned)");
		expect(lines[3]).toContain("cooling → Thu 12:00");
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
		// A reset time carries its weekday when it is not today: the 5-hour one (3 h ahead) after 21:00.
		const at = String.raw`(?:\w{3} )?\d\d:\d\d`;
		expect(text).toMatch(new RegExp(String.raw`alpha\s+plus\s+available\s+0% ${at}`));
		expect(text).toMatch(new RegExp(String.raw`beta\s+plus\s+cooling → ${at}\s+0% ${at}\s+100% ${at}`));
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
			expect(ui.shown.slice(-2)).toEqual([
				{ key: "pi-dispatch-status", lines: undefined },
				{ key: "pi-dispatch-history", lines: undefined },
			]);
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
