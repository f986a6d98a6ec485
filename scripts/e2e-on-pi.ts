/**
 * The end-to-end suite (real pi CLI and SDK: print, RPC, tmux) on another pi than the dev
 * dependency, installed side by side under .tools/:
 *
 *   node scripts/e2e-on-pi.ts oldest   the oldest supported pi (the peer range's floor), installed once
 *   node scripts/e2e-on-pi.ts latest   the newest published pi, installed afresh on every run
 *
 * The e2e world picks that pi's CLI, SDK and default Codex model through PI_DISPATCH_E2E_PI.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const PI = "@earendil-works/pi-coding-agent";

const which = process.argv[2];
if (which !== "oldest" && which !== "latest") {
	process.stderr.write("usage: node scripts/e2e-on-pi.ts oldest|latest\n");
	process.exit(2);
}

const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
	peerDependencies: Record<string, string>;
};
const floor = /^>=\s*(\d+\.\d+\.\d+)$/.exec(manifest.peerDependencies[PI] ?? "")?.[1];
if (which === "oldest" && !floor) {
	process.stderr.write(`e2e-on-pi: the peer range of ${PI} has no ">=x.y.z" floor\n`);
	process.exit(1);
}
const version = which === "oldest" ? (floor as string) : "latest";
const prefix = join(REPO, ".tools", `pi-${version}`);
const piPackage = join(prefix, "node_modules", PI);

if (which === "latest") rmSync(prefix, { recursive: true, force: true });
if (!existsSync(join(piPackage, "package.json"))) {
	process.stdout.write(`e2e-on-pi: installing ${PI}@${version} into ${prefix}\n`);
	const npmArgs = ["install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund"];
	const installed = spawnSync("npm", [...npmArgs, `${PI}@${version}`], { stdio: "inherit", cwd: REPO });
	if (installed.status !== 0) process.exit(installed.status ?? 1);
}
const installedVersion = (JSON.parse(readFileSync(join(piPackage, "package.json"), "utf8")) as { version: string })
	.version;
process.stdout.write(`e2e-on-pi: end-to-end tests on pi ${installedVersion} (${which})\n`);

const vitest = spawnSync("npx", ["vitest", "run", "test/e2e"], {
	stdio: "inherit",
	cwd: REPO,
	env: { ...process.env, PI_DISPATCH_E2E_PI: piPackage },
});
process.exit(vitest.status ?? 1);
