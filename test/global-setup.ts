/**
 * Builds `dist/` once before the suite (`scripts/build.ts`: tsc, then the actor's worker bundle):
 * the actors' worker threads load the bundled entry, as an installed package does (see
 * PI_DISPATCH_ACTOR_WORKER in vitest.config.ts), so no test runs against a stale build.
 */
import { buildAll } from "../scripts/build.ts";

export default async function setup(): Promise<void> {
	await buildAll(new URL("../dist", import.meta.url).pathname);
}
