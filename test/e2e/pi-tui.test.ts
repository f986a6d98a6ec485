/** Interactive pi in tmux: the footer entry, and /dispatch-status as a widget read off the screen. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SHOWN_TIME } from "../helpers/shown-time.ts";
import { createPiWorld, type PiWorld } from "./helpers/pi-world.ts";
import { HAS_TMUX, TmuxPi } from "./helpers/tmux.ts";

let world: PiWorld;
let tmux: TmuxPi | undefined;
beforeEach(async () => {
	world = await createPiWorld();
});
afterEach(async () => {
	await tmux?.stop();
	tmux = undefined;
	await world.close();
});

describe.skipIf(!HAS_TMUX)("interactive pi (tmux; skipped when tmux is not installed: apt-get install -y tmux)", () => {
	it("shows the footer status and the /dispatch-status table", async () => {
		await world.seed(
			[
				{ accountId: "acct-a", email: "a@example.test" },
				{
					accountId: "acct-b",
					email: "b@example.test",
					secondary: { usedPercent: 100, windowMinutes: 10080, resetsInSeconds: 7200 },
				},
			],
			["alpha", "beta"],
		);
		// 80 columns: the table fits a standard terminal without wrapping.
		tmux = await TmuxPi.start(world, { width: 80, height: 40 });
		const pi = tmux;
		// The footer entry appears once the pool runs and has polled usage.
		await vi.waitFor(async () => expect(await pi.screen()).toMatch(/codex: 1\/2 accounts ready/), {
			timeout: 20_000,
			interval: 100,
		});

		await pi.type("/dispatch-status");
		const screen = await vi.waitFor(
			async () => {
				const text = await pi.screen();
				expect(text).toMatch(/beta\s+plus\s+cooling →/);
				// The widget is live: both accounts' polled usage shows as it arrives.
				expect(text).toMatch(/alpha\s+plus\s+available\s+0%/);
				return text;
			},
			{ timeout: 10_000, interval: 100 },
		);
		const lines = screen.split("\n").map((line) => line.trim());
		expect(lines).toContainEqual(`pi-dispatch: 2 accounts (${world.store.file})`);
		expect(lines.find((l) => l.startsWith("LABEL"))).toMatch(/^LABEL\s+PLAN\s+STATE\s+5H\s+WEEKLY\s+BURN\s+AGE$/);
		expect(lines.find((l) => l.startsWith("alpha"))).toMatch(
			new RegExp(String.raw`^alpha\s+plus\s+available\s+0% ${SHOWN_TIME}\s+0% \w{3}( \d+)? \d\d:\d\d\s+\S+\s+\d+s$`),
		);
		expect(lines.find((l) => l.startsWith("beta"))).toMatch(
			new RegExp(String.raw`^beta\s+plus\s+cooling → ${SHOWN_TIME}\s+0% ${SHOWN_TIME}\s+100% `),
		);
		for (const secret of world.secrets()) expect(screen).not.toContain(secret);
	});

	it("draws /dispatch-status --history as a widget that fits 80 columns", async () => {
		await world.seed(
			[{ accountId: "acct-a", secondary: { usedPercent: 72, windowMinutes: 10080, resetsInSeconds: 86_400 } }],
			["alpha"],
		);
		// Six days of history, rising: one sample an hour, as the pool would have kept it (thinned).
		const now = Date.now();
		for (let h = 6 * 24; h >= 1; h--) {
			await world.store.appendUsageSample("acct-a", { at: now - h * 3_600_000, weekly: (144 - h) / 2 });
		}
		tmux = await TmuxPi.start(world, { width: 80, height: 40 });
		const pi = tmux;
		await vi.waitFor(async () => expect(await pi.screen()).toMatch(/codex: /), { timeout: 20_000, interval: 100 });
		await pi.type("/dispatch-status --history alpha");
		const screen = await vi.waitFor(
			async () => {
				const text = await pi.screen();
				expect(text).toMatch(/alpha: weekly use, last 7 days · now \d+% · burn [\d.]+%\/h/);
				expect(text).toMatch(/└─{70}/);
				return text;
			},
			{ timeout: 10_000, interval: 100 },
		);
		const lines = screen.split("\n");
		// Unwrapped: the axis is whole on one line, the day names under it, the bars above it.
		const axis = lines.findIndex((l) => /└─{70}/.test(l));
		expect(lines[axis]!.trim()).toBe(`└${"─".repeat(70)}`);
		expect(lines[axis + 1]).toMatch(/(Mon|Tue|Wed|Thu|Fri|Sat|Sun)( +(Mon|Tue|Wed|Thu|Fri|Sat|Sun)){5,6}/);
		expect(lines[axis - 1]).toMatch(/0%┤ *[▁▂▃▄▅▆▇█]+/);
		expect(lines[axis - 6]).toMatch(/100%┤/);
		// The title did not wrap: the 100% row follows it directly.
		expect(lines[axis - 7]).toMatch(/alpha: weekly use, last 7 days · now 72% · burn 0\.5%\/h$/);
	});
});
