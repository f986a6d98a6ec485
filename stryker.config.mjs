/**
 * Mutation testing of the decision code (`npm run test:mutation`, not part of `npm test`): which
 * wrong behaviours the unit tests would let ship. Incremental: `stryker-incremental.json` is
 * committed, so a run re-tests only the mutants whose code or tests changed. The machine is shared:
 * one test runner; run one module at a time with `npm run test:mutation -- --mutate <file>`.
 * Equivalent mutants are excluded in the source with `// Stryker disable next-line <mutator>: <why>`.
 */
export default {
	$schema: "./node_modules/@stryker-mutator/core/schema/stryker-schema.json",
	testRunner: "vitest",
	vitest: { configFile: "vitest.mutation.config.ts", related: false },
	plugins: ["@stryker-mutator/vitest-runner"],
	mutate: [
		"src/usage/*.ts",
		"src/supervisor/selection-policy.ts",
		"src/supervisor/restart-policy.ts",
		"src/supervisor/limit-book.ts",
		"src/store/store-shape.ts",
		"src/store/single-flight-refresh.ts",
		"src/auth/jwt.ts",
		"src/dispatch/foreign-reasoning.ts",
		"workers/actor-core.ts",
	],
	coverageAnalysis: "perTest",
	concurrency: 1,
	incremental: true,
	incrementalFile: "stryker-incremental.json",
	reporters: ["clear-text", "progress-append-only", "json"],
	jsonReporter: { fileName: "reports/mutation/mutation.json" },
	thresholds: { high: 90, low: 85, break: null },
	timeoutMS: 10_000,
	tempDirName: ".stryker-tmp",
	cleanTempDir: true,
};
