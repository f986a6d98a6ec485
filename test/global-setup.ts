/**
 * Builds `dist/` once before the suite: the actors' worker threads load the compiled entry (see
 * PI_DISPATCH_ACTOR_WORKER in vitest.config.ts), so no test runs against a stale build.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
	const root = fileURLToPath(new URL("..", import.meta.url));
	const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
	execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
}
