import { defineConfig } from "vitest/config";

/**
 * The unit tests `npm run test:mutation` (StrykerJS) runs against each mutant of the decision code:
 * in-process only (no worker bundle, no child processes), so a mutant costs one short vitest run.
 */
export default defineConfig({
	test: {
		environment: "node",
		include: [
			"test/unit/actor-core.test.ts",
			"test/unit/auth-jwt.test.ts",
			"test/unit/codex-error-text.test.ts",
			"test/unit/foreign-reasoning.test.ts",
			"test/unit/limit-book.test.ts",
			"test/unit/probe-lease.test.ts",
			"test/unit/rate-limit-headers.test.ts",
			"test/unit/restart-policy.test.ts",
			"test/unit/selection-policy.test.ts",
			"test/unit/shared-state-merge.test.ts",
			"test/unit/store-corrupt.test.ts",
			"test/unit/store-shape.test.ts",
			"test/unit/store-single-flight.test.ts",
			"test/unit/upstream-failure.test.ts",
			"test/unit/usage-parsing.test.ts",
			"test/unit/usage-response.test.ts",
			"test/unit/usage-snapshot.test.ts",
		],
		testTimeout: 30_000,
		pool: "forks",
		maxWorkers: 1,
	},
});
