import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		environment: "node",
		include: ["test/**/*.test.ts"],
		globalSetup: ["test/global-setup.ts"],
		env: {
			// Worker threads start from the build (made by the global setup), not from type-stripped TS.
			PI_DISPATCH_ACTOR_WORKER: fileURLToPath(new URL("dist/workers/account-actor.js", import.meta.url)),
		},
		testTimeout: 60_000,
		hookTimeout: 60_000,
		// Worker threads and child processes are real here; two cores in CI.
		pool: "forks",
		maxWorkers: 2,
	},
});
