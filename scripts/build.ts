/**
 * npm run build: tsc → dist/ (the CLI and the tests run it), and bundles:
 * - the extension pi loads (package.json's `pi.extensions`), in two files. pi loads an extension
 *   through jiti: it transpiles a file itself unless the file is an ES module package's `.js`, which
 *   it imports natively, and only what it transpiles gets pi's own pi-ai (its aliases or the bundled
 *   pi's virtual modules); a native `@earendil-works/pi-ai` import loads a second pi-ai, every
 *   provider with it. So `dist/extension/index.js` (src/index.ts and src/pi/host-pi-ai.ts, in a
 *   folder whose package.json has no `"type"`: transpiled, and small) takes pi-ai and imports
 *   `dist/pi-dispatch.js`, everything else in one native module. Figures: bench/README.md,
 *   "Start-up cost".
 * - `dist/workers/account-actor.bundle.js`, the actor's worker entry. Every actor is its own worker
 *   thread, a V8 isolate that resolves, reads and compiles its modules again; one file with only
 *   what the actor uses starts faster and weighs less than the ~20 modules tsc emits.
 *
 *   node scripts/build.ts [--out-dir dist]
 */
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const WORKER_BUNDLE = join("workers", "account-actor.bundle.js");
/** What package.json's `pi.extensions` names, and the module it imports. */
export const EXTENSION_ENTRY = join("extension", "index.js");
export const EXTENSION_BUNDLE = "pi-dispatch.js";

/**
 * Left to be loaded at run time: pi and pi-ai (the host's own, through the entry), piscina (it starts
 * its worker threads from a file beside its own module) and ioredis (imported only by the Redis
 * store, when one is configured).
 */
const EXTENSION_EXTERNALS = ["@earendil-works/*", "piscina", "ioredis"];

/** CommonJS dependencies call require() for Node's built-ins; an ES module has none, so give the bundle one. */
const REQUIRE_BANNER = {
	js: 'import { createRequire as __piDispatchRequire } from "node:module";\nconst require = __piDispatchRequire(import.meta.url);',
};

/** Compiles src/ and workers/ into `outDir`, then bundles the actor's entry beside them. */
export async function buildAll(outDir: string): Promise<void> {
	const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
	execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir], {
		cwd: ROOT,
		stdio: ["ignore", 2, "inherit"], // tsc reports on stdout; keep stdout for callers printing JSON
	});
	await bundleWorker(join(outDir, WORKER_BUNDLE));
	await bundleExtension(outDir);
}

/** Every bundle: one ES module for Node 22, with a source map. */
const BUNDLE = {
	absWorkingDir: ROOT,
	bundle: true,
	platform: "node",
	format: "esm",
	target: "node22",
	sourcemap: true,
	logLevel: "warning",
} as const;

export async function bundleExtension(outDir: string): Promise<void> {
	const common = { ...BUNDLE, external: EXTENSION_EXTERNALS };
	await build({
		...common,
		entryPoints: ["src/pi/glue.ts"],
		outfile: join(outDir, EXTENSION_BUNDLE),
		// src/supervisor/worker-file.ts: the worker bundle, from this file's folder.
		define: { PI_DISPATCH_WORKER_FROM_BUNDLE: JSON.stringify(`./${WORKER_BUNDLE}`) },
		banner: REQUIRE_BANNER,
	});
	const entry = join(outDir, EXTENSION_ENTRY);
	await build({
		...common,
		entryPoints: ["src/index.ts"],
		outfile: entry,
		plugins: [
			{
				name: "glue-bundle",
				setup(b) {
					b.onResolve({ filter: /\/pi\/glue\.ts$/ }, () => ({ path: `../${EXTENSION_BUNDLE}`, external: true }));
				},
			},
		],
	});
	await writeFile(
		join(dirname(entry), "package.json"),
		`${JSON.stringify({ description: "No \"type\": pi's loader transpiles index.js itself, and so hands it pi's own pi-ai (scripts/build.ts)." }, null, "\t")}\n`,
	);
}

export async function bundleWorker(outfile: string): Promise<void> {
	await build({
		...BUNDLE,
		entryPoints: ["workers/account-actor.ts"],
		outfile,
		// Loaded only by the Redis store (dynamic import), from the package's own dependencies: a
		// file-store actor never parses it.
		external: ["ioredis"],
		banner: REQUIRE_BANNER,
	});
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const { values } = parseArgs({ options: { "out-dir": { type: "string", default: "dist" } } });
	await buildAll(resolve(ROOT, values["out-dir"]));
}
