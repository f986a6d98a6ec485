import { EventEmitter } from "eventemitter3";
import { describe, expect, it } from "vitest";
import { footerText } from "../../src/commands/footer.ts";
import { SessionWatch } from "../../src/commands/session-watch.ts";
import type { ActorSnapshot } from "../../src/protocol/messages.ts";
import type { AccountView, Supervisor, SupervisorEvents } from "../../src/supervisor/supervisor.ts";
import { accountView } from "../helpers/account-view.ts";
import { recordingUI } from "../helpers/command-harness.ts";

const NOW = new Date(2026, 0, 5, 12, 0, 0).getTime();

function view(id: string, snapshot: Partial<ActorSnapshot> = {}, weekly?: number): AccountView {
	return accountView(id, id, {
		startedAt: NOW,
		...(weekly !== undefined
			? {
					usage: {
						secondary: { usedPercent: weekly, windowMinutes: 10080 },
						observedAt: NOW,
						source: "poll" as const,
					},
				}
			: {}),
		...snapshot,
	});
}

describe("footerText", () => {
	it("names the active account and its weekly use", () => {
		expect(footerText([view("a", {}, 41.6), view("b")], { activeId: "a" }, NOW)).toBe("codex: a · week 42%");
		expect(footerText([view("a", {}, 3)], { activeId: "a", pinnedId: "a" }, NOW)).toBe("codex: a, pinned · week 3%");
	});

	it("counts ready accounts before the first request", () => {
		const spent = view("c", { state: "cooling-down", cooldownUntil: NOW + 3_600_000 });
		expect(footerText([view("a"), view("b"), spent], {}, NOW)).toBe("codex: 2/3 accounts ready");
	});

	it("says when an account is ready again if none is", () => {
		const spent = (id: string, until: number) => view(id, { state: "cooling-down", cooldownUntil: until });
		expect(footerText([spent("a", NOW + 7_200_000), spent("b", NOW + 3_600_000)], { activeId: "a" }, NOW)).toBe(
			"codex: no account ready until 13:00",
		);
		expect(footerText([view("a", { state: "needs-login" })], {}, NOW)).toBe(
			"codex: no account ready (/dispatch-status)",
		);
		expect(footerText([], {}, NOW)).toBe("codex: no accounts (/dispatch-login)");
	});
});

/** Just enough of a supervisor for the watch: events plus the session's accounts. */
function fakeSupervisor(accounts: AccountView[]) {
	const emitter = new EventEmitter<SupervisorEvents>();
	let active: string | undefined;
	return Object.assign(emitter, {
		accounts: () => accounts,
		activeAccount: () => active,
		pinnedAccount: () => undefined,
		store: { file: "/tmp/accounts.json" },
		setActive(id: string) {
			active = id;
		},
	});
}

describe("SessionWatch", () => {
	it("notifies every failover of its session in one line and follows rotation in the footer", async () => {
		const supervisor = fakeSupervisor([view("a", {}, 100), view("b", {}, 20)]);
		const ui = recordingUI("tui");
		const watch = new SessionWatch(supervisor as unknown as Supervisor, "s1", ui, {
			redrawDelayMs: 1,
			now: () => NOW,
		});
		try {
			supervisor.setActive("b");
			supervisor.emit("failover", {
				sessionKey: "s1",
				from: { id: "a", label: "a" },
				to: { id: "b", label: "b" },
				reason: "exhausted",
				until: NOW + 2 * 3_600_000,
			});
			supervisor.emit("failover", {
				sessionKey: "other",
				from: { id: "a", label: "a" },
				to: undefined,
				reason: "failed",
			});
			supervisor.emit("routed", "s1", "b", "untouched");
			await new Promise((resolve) => setTimeout(resolve, 20));
			expect(ui.notes).toEqual([{ message: "a exhausted until 14:00 → b", level: "warning" }]);
			expect(ui.statuses.at(-1)).toBe("codex: b · week 20%");
		} finally {
			watch.stop();
		}
		supervisor.emit("failover", {
			sessionKey: "s1",
			from: { id: "b", label: "b" },
			to: { id: "a", label: "a" },
			reason: "failed",
		});
		expect(ui.notes).toHaveLength(1);
	});

	it("stops quietly when pi has replaced the session's UI", () => {
		const supervisor = fakeSupervisor([view("a")]);
		const ui = recordingUI("tui");
		ui.notify = () => {
			throw new Error("stale context");
		};
		const watch = new SessionWatch(supervisor as unknown as Supervisor, "s1", ui, { redrawDelayMs: 1 });
		supervisor.emit("failover", {
			sessionKey: "s1",
			from: { id: "a", label: "a" },
			to: { id: "a", label: "a" },
			reason: "failed",
		});
		expect(supervisor.listenerCount("failover")).toBe(0);
		watch.stop();
	});
});
