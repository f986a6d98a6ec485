/**
 * The worker bundle's path relative to the extension bundle (`dist/pi-dispatch.js`, what pi loads from
 * an installed package), which scripts/build.ts writes in place of this name. tsc's per-module build
 * and the sources leave it undefined; their path is relative to this module's folder instead.
 */
declare const PI_DISPATCH_WORKER_FROM_BUNDLE: string | undefined;

/**
 * Where the actor's worker entry lives. From the build (`dist/`, which is what an installed package
 * runs, inside node_modules where Node's type stripping is off) it is the bundle
 * `dist/workers/account-actor.bundle.js`: the entry and everything it imports in one file, so each
 * actor thread reads and compiles one module instead of ~20 (`npm run build`, scripts/build.ts).
 * From source (`pi -e src/index.ts` in a checkout) the `.ts` file, which Node 22 runs with type
 * stripping. `PI_DISPATCH_ACTOR_WORKER` overrides both: the test suite points it at the build,
 * because stripping types costs every new worker thread about a second of CPU on a busy machine.
 */
export function actorWorkerUrl(env: NodeJS.ProcessEnv = process.env): URL {
	const override = env.PI_DISPATCH_ACTOR_WORKER;
	if (override) return new URL(override, "file:///");
	if (typeof PI_DISPATCH_WORKER_FROM_BUNDLE === "string")
		return new URL(PI_DISPATCH_WORKER_FROM_BUNDLE, import.meta.url);
	const fromSource = import.meta.url.endsWith(".ts");
	return new URL(`../../workers/account-actor.${fromSource ? "ts" : "bundle.js"}`, import.meta.url);
}

/**
 * The actor's pool: one thread that runs one long task (the actor) for the actor's whole life.
 * ActorHandle builds it from these, and so does the start-up bench (bench/startup/actor-child.ts).
 */
export function actorPoolOptions(workerUrl: URL) {
	return {
		filename: workerUrl.href,
		minThreads: 1,
		maxThreads: 1,
		idleTimeout: Number.POSITIVE_INFINITY,
		concurrentTasksPerWorker: 1,
		// The actor's task never ends while it lives; no Atomics wait between tasks.
		atomics: "disabled" as const,
	};
}
