/** The shape every module under bench/scenarios/ exports. */
import type { BenchOptions, ScenarioName } from "./args.ts";
import type { ScenarioResult } from "./report.ts";
import type { Upstream } from "./upstream.ts";

export interface ScenarioContext {
	upstream: Upstream;
	options: BenchOptions;
	/** Progress for people; goes to stderr so `--json` stdout stays clean. */
	log(message: string): void;
}

export interface Scenario {
	name: ScenarioName;
	run(context: ScenarioContext): Promise<ScenarioResult>;
}
