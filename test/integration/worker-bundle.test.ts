/**
 * The package ships the extension and the actor's worker as one bundled file each (scripts/build.ts)
 * and the build picks them: the compiled `actorWorkerUrl` names the worker bundle, it exists after
 * the suite's global setup, and `npm pack` puts both bundles in the tarball without tsc's
 * per-module worker files. That the extension bundle finds the worker bundle in a real pi:
 * test/e2e/pi-installed-package.test.ts.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
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
		// What pi loads from an installed package is in it: the extension bundle.
		const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { pi: { extensions: string[] } };
		expect(manifest.pi.extensions).toEqual(["./dist/extension/index.js"]);
		expect(files).toContain("dist/extension/package.json");
		expect(files).toContain("dist/pi-dispatch.js");
		for (const entry of manifest.pi.extensions) expect(files).toContain(entry.replace(/^\.\//, ""));
		expect(files).toContain("dist/src/cli/bin.js");
		expect(files.filter((f) => f.startsWith("dist/workers/") && !f.includes(".bundle.js"))).toEqual([]);
	});
});

describe("the extension as built", () => {
	it("takes pi-ai only in the entry pi's loader transpiles; the native bundle imports no pi package", async () => {
		const bundle = readFileSync(join(ROOT, "dist/pi-dispatch.js"), "utf8");
		// A native import of pi-ai would load a second copy of it, every provider with it.
		expect(bundle).not.toMatch(/(from|import\()\s*["']@earendil-works\//);
		const entry = readFileSync(join(ROOT, "dist/extension/index.js"), "utf8");
		expect(entry).toMatch(/from "@earendil-works\/pi-ai\/compat"/);
		expect(entry).toMatch(/import\("\.\.\/pi-dispatch\.js"\)/);
		// jiti imports an ES module package's `.js` natively, past pi's aliases: no "type" here.
		const scope = JSON.parse(readFileSync(join(ROOT, "dist/extension/package.json"), "utf8")) as { type?: string };
		expect(scope.type).toBeUndefined();
	});
});
