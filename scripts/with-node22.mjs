#!/usr/bin/env node
/**
 * Runs a command under Node >= 22.19 (pi's own floor), whatever node started this file: plain
 * JavaScript, so an older node (20, 18) can run it. When the running node is too old, it uses
 * `.tools/node22` (npm's `node@22` package, installed there on first use) by putting its bin
 * folder first on PATH for the command. Shared by `npm test`, `npm run demo` and `.ci/run`.
 *
 *   node scripts/with-node22.mjs <command> [args...]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const NEED = [22, 19];
const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const TOOLS = join(REPO, ".tools/node22");
const TOOLS_BIN = join(TOOLS, "node_modules/.bin");
const INSTALL = ["install", "--prefix", TOOLS, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "node@22"];
const FIX = `npm ${INSTALL.join(" ").replace(TOOLS, ".tools/node22")}`;

function recentEnough(version) {
	const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
	return major > NEED[0] || (major === NEED[0] && minor >= NEED[1]);
}

/** The version of the node in `.tools/node22`, if it is there and runs. */
function toolsNodeVersion() {
	const node = join(TOOLS_BIN, process.platform === "win32" ? "node.cmd" : "node");
	if (!existsSync(node)) return undefined;
	try {
		return execFileSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
	} catch {
		return undefined;
	}
}

function fail(found) {
	process.stderr.write(
		`pi-dispatch needs Node.js >= ${NEED.join(".")} (found ${found}); install it, or run: ${FIX}\n`,
	);
	process.exit(1);
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
	process.stderr.write("usage: node scripts/with-node22.mjs <command> [args...]\n");
	process.exit(2);
}

const env = { ...process.env };
if (!recentEnough(process.versions.node)) {
	let version = toolsNodeVersion();
	if (!version || !recentEnough(version)) {
		process.stderr.write(
			`Node.js ${process.versions.node} is older than ${NEED.join(".")}; installing node@22 into .tools/node22 (once)\n`,
		);
		const npm = process.platform === "win32" ? "npm.cmd" : "npm";
		const installed = spawnSync(npm, INSTALL, { stdio: ["ignore", "ignore", "inherit"], cwd: REPO });
		version = installed.status === 0 ? toolsNodeVersion() : undefined;
		if (!version || !recentEnough(version)) fail(`v${process.versions.node}`);
	}
	env.PATH = `${TOOLS_BIN}${delimiter}${env.PATH ?? ""}`;
}

const run = spawnSync(command, args, { stdio: "inherit", env, shell: process.platform === "win32" });
if (run.error) {
	process.stderr.write(`${command}: ${run.error.message}\n`);
	process.exit(1);
}
process.exit(run.status ?? 1);
