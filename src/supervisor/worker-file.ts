import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Where the actor's worker entry lives. From the build (`dist/`, which is what an installed package
 * runs, inside node_modules where Node's type stripping is off) it is the bundle beside this
 * module's folder, `workers/account-actor.bundle.js`: the entry and everything it imports in one
 * file, so each actor thread reads and compiles one module instead of ~20 (`npm run build`,
 * scripts/build.ts). From source (`pi -e src/index.ts` in a checkout) the `.ts` file, which Node 22
 * runs with type stripping. `PI_DISPATCH_ACTOR_WORKER` overrides both: the test suite points it at
 * the build, because stripping types costs every new worker thread about a second of CPU on a busy
 * machine.
 */
export function actorWorkerUrl(env: NodeJS.ProcessEnv = process.env): URL {
	const override = env.PI_DISPATCH_ACTOR_WORKER;
	if (override) return new URL(override, "file:///");
	const fromSource = import.meta.url.endsWith(".ts");
	return new URL(`../../workers/account-actor.${fromSource ? "ts" : "bundle.js"}`, import.meta.url);
}

/**
 * The actor's pool: one thread that runs one long task (the actor) for the actor's whole life.
 * ActorHandle builds it from these, and so does the start-up bench (bench/startup/actor-child.ts).
 */
export function actorPoolOptions(workerUrl: URL, env: NodeJS.ProcessEnv = process.env) {
	return {
		filename: workerUrl.href,
		minThreads: 1,
		maxThreads: 1,
		idleTimeout: Number.POSITIVE_INFINITY,
		concurrentTasksPerWorker: 1,
		// The actor's task never ends while it lives; no Atomics wait between tasks.
		atomics: "disabled" as const,
		...actorThreadOptions(env),
	};
}

/** Per-thread options of the actor's worker. */
export interface ActorThreadOptions {
	env?: NodeJS.ProcessEnv;
}

/**
 * Node's compile cache for the actor's thread. A worker thread does not inherit the main thread's
 * `module.enableCompileCache()` (pi's launcher calls it), only the `NODE_COMPILE_CACHE` variable,
 * so the actor gets the variable, naming the folder Node uses by default (shared with pi's own
 * cache). With the cache the actor's code is deserialized instead of compiled. Node's own settings
 * win: `NODE_DISABLE_COMPILE_CACHE` turns it off, a `NODE_COMPILE_CACHE` already set is inherited.
 */
export function actorThreadOptions(env: NodeJS.ProcessEnv = process.env): ActorThreadOptions {
	if (env.NODE_DISABLE_COMPILE_CACHE || env.NODE_COMPILE_CACHE) return {};
	return { env: { ...env, NODE_COMPILE_CACHE: join(tmpdir(), "node-compile-cache") } };
}
