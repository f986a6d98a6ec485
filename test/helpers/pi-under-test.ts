/**
 * Which pi the tests run, and the Codex model they ask for. By default the dev dependency;
 * `PI_DISPATCH_E2E_PI=<folder of a @earendil-works/pi-coding-agent package>` points the end-to-end
 * tests at another one (the oldest supported pi in CI, the newest published in `test:pi-latest`).
 * The model is that pi's own default for `openai-codex`, checked against its pi-ai's catalog, so a
 * pi that drops a model id never breaks the tests.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** The pi-coding-agent package installed as a dev dependency. */
export const DEV_PI_PACKAGE = join(REPO, "node_modules/@earendil-works/pi-coding-agent");

/** The pi-coding-agent package the end-to-end tests drive. */
export const PI_PACKAGE = process.env.PI_DISPATCH_E2E_PI ? resolve(process.env.PI_DISPATCH_E2E_PI) : DEV_PI_PACKAGE;

/** The pi-ai package a pi-coding-agent package loads: nested in it, or its sibling in `@earendil-works/`. */
export function piAiPackageOf(piPackage: string): string {
	const nested = join(piPackage, "node_modules/@earendil-works/pi-ai");
	return existsSync(nested) ? nested : join(dirname(piPackage), "pi-ai");
}

/** pi's default model for the Codex provider, as `/model` would pick it; falls back to the catalog's first. */
export async function defaultCodexModelId(piPackage: string): Promise<string> {
	const [resolver, ai] = await Promise.all([
		import(pathToFileURL(join(piPackage, "dist/core/model-resolver.js")).href).catch(() => undefined),
		import(pathToFileURL(join(piAiPackageOf(piPackage), "dist/compat.js")).href),
	]);
	const catalog: string[] = ai.getModels("openai-codex").map((m: { id: string }) => m.id);
	const preferred: unknown = resolver?.defaultModelPerProvider?.["openai-codex"];
	const id = typeof preferred === "string" && catalog.includes(preferred) ? preferred : catalog[0];
	if (!id) throw new Error(`${piPackage}: its pi-ai has no openai-codex model`);
	return id;
}

/** The Codex model id for tests that call the dev dependency's pi-ai in this process. */
export const CODEX_MODEL_ID = await defaultCodexModelId(DEV_PI_PACKAGE);

/** The Codex model id, provider-qualified, for the pi under test (`--model`). */
export const PI_CODEX_MODEL = `openai-codex/${await defaultCodexModelId(PI_PACKAGE)}`;
