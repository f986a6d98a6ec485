/** scripts/with-node22.mjs under a recent node: runs the command as is and passes its exit code on. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const LAUNCHER = fileURLToPath(new URL("../../scripts/with-node22.mjs", import.meta.url));

function launch(...args: string[]) {
	return spawnSync(process.execPath, [LAUNCHER, ...args], { encoding: "utf8" });
}

describe("scripts/with-node22.mjs", () => {
	it("runs the command with this node (already >= 22.19) and keeps its exit code and output", () => {
		const run = launch("node", "-e", "console.log(process.version); process.exit(3)");
		expect(run.status).toBe(3);
		expect(run.stdout.trim()).toMatch(/^v\d+\.\d+\.\d+$/);
		expect(run.stderr).toBe("");
	});

	it("says how to call it when no command is given", () => {
		const run = launch();
		expect(run.status).toBe(2);
		expect(run.stderr).toBe("usage: node scripts/with-node22.mjs <command> [args...]\n");
	});

	it("names a command that does not exist in one line", () => {
		const run = launch(join("no", "such-command"));
		expect(run.status).toBe(1);
		expect(run.stderr.trim().split("\n")).toHaveLength(1);
	});
});
