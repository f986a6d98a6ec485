/** `npm run demo` must keep working: its --check mode runs a prompt and /dispatch-status in print mode. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { failoverNoticeLine } from "../helpers/shown-time.ts";
import { REPO } from "./helpers/pi-world.ts";

describe("scripts/demo.ts --check", () => {
	it("answers through a failover and lists the three demo accounts", async () => {
		const child = spawn(process.execPath, [join(REPO, "scripts/demo.ts"), "--check"], {
			cwd: REPO,
			stdio: ["ignore", "pipe", "pipe"],
		});
		let output = "";
		child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
		child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
		const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
		expect(output).toContain("--- demo check: ok");
		expect(output).toMatch(failoverNoticeLine("spent", "(fresh|half)"));
		expect(code).toBe(0);
	});
});
