/**
 * The package ships the actor's worker as one bundled file (scripts/build.ts) and the build picks
 * it: the compiled `actorWorkerUrl` names the bundle, the bundle exists after the suite's global
 * setup, and `npm pack` puts it in the tarball without tsc's per-module worker files.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUILT_WORKER_FILE = new URL("../../dist/src/supervisor/worker-file.js", import.meta.url).href;

describe("the bundled actor worker", () => {
	it("is what the build runs", async () => {
		const { actorWorkerUrl } = (await import(BUILT_WORKER_FILE)) as {
			actorWorkerUrl(env: NodeJS.ProcessEnv): URL;
		};
		const path = fileURLToPath(actorWorkerUrl({}));
		expect(path).toBe(fileURLToPath(new URL("../../dist/workers/account-actor.bundle.js", import.meta.url)));
		expect(existsSync(path)).toBe(true);
	});

	it("is in the package, and tsc's worker modules are not", async () => {
		const npm = process.platform === "win32" ? "npm.cmd" : "npm";
		const { stdout } = await promisify(execFile)(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], {
			cwd: ROOT,
			maxBuffer: 16 * 1024 * 1024,
		});
		const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
		const files = pack.files.map((f) => f.path);
		expect(files).toContain("dist/workers/account-actor.bundle.js");
		expect(files).toContain("dist/src/index.js");
		expect(files.filter((f) => f.startsWith("dist/workers/") && !f.includes(".bundle.js"))).toEqual([]);
	});
});
