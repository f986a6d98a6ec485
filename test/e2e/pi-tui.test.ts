/** Interactive pi in tmux: the footer entry, and /dispatch-status as a widget read off the screen. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
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
			/^alpha\s+plus\s+available\s+0% \d\d:\d\d\s+0% \w{3}( \d+)? \d\d:\d\d\s+\S+\s+\d+s$/,
		);
		expect(lines.find((l) => l.startsWith("beta"))).toMatch(
			/^beta\s+plus\s+cooling → \d\d:\d\d\s+0% \d\d:\d\d\s+100% /,
		);
		for (const secret of world.secrets()) expect(screen).not.toContain(secret);
	});
});
