/**
 * Where the actor's worker entry lives. From source (tests, `pi -e src/index.ts`) it is the `.ts`
 * file, which Node 22 runs with type stripping; from the build (`dist/`, an installed package
 * inside node_modules where stripping is off) it is the compiled `.js` beside it.
 */
export function actorWorkerUrl(): URL {
	const fromSource = import.meta.url.endsWith(".ts");
	return new URL(`../../workers/account-actor.${fromSource ? "ts" : "js"}`, import.meta.url);
}
