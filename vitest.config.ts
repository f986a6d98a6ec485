import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		environment: "node",
		include: ["test/**/*.test.ts"],
		testTimeout: 30_000,
		hookTimeout: 30_000,
		// Worker threads and child processes are real here; two cores in CI.
		pool: "forks",
		maxWorkers: 2,
	},
});
