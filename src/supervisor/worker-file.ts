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
