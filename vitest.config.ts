import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** Suites that start real child processes (pi itself, many supervisors): one file at a time. */
const PROCESS_HEAVY = [
	"test/e2e/**/*.test.ts",
	"test/integration/*multiprocess*.test.ts",
	"test/integration/bench-smoke.test.ts",
	"test/integration/bench-startup-smoke.test.ts",
];

const shared = {
	environment: "node" as const,
	env: {
		// Worker threads start from the build's bundle (made by the global setup), not from type-stripped TS.
		PI_DISPATCH_ACTOR_WORKER: fileURLToPath(new URL("dist/workers/account-actor.bundle.js", import.meta.url)),
	},
	testTimeout: 60_000,
	hookTimeout: 60_000,
	pool: "forks" as const,
};

export default defineConfig({
	test: {
		globalSetup: ["test/global-setup.ts"],
		// Two cores in CI, shared with worker threads and child processes.
		maxWorkers: 2,
		projects: [
			{
				test: {
					...shared,
					name: "threads",
					include: ["test/**/*.test.ts"],
					exclude: PROCESS_HEAVY,
					sequence: { groupOrder: 0 },
				},
			},
			{
				test: {
					...shared,
					name: "processes",
					include: PROCESS_HEAVY,
					fileParallelism: false,
					sequence: { groupOrder: 1 },
				},
			},
		],
	},
});
