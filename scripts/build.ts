/**
 * npm run build: the compiled extension (tsc → dist/) plus the actor's worker entry bundled into
 * one file, `dist/workers/account-actor.bundle.js`. Every actor is its own worker thread, a V8
 * isolate that resolves, reads and compiles its modules again; one file with only what the actor
 * uses starts faster and weighs less than the ~20 modules tsc emits (figures: bench/README.md,
 * "Start-up cost").
 *
 *   node scripts/build.ts [--out-dir dist]
 */
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const WORKER_BUNDLE = join("workers", "account-actor.bundle.js");

/** Compiles src/ and workers/ into `outDir`, then bundles the actor's entry beside them. */
export async function buildAll(outDir: string): Promise<void> {
	const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
	execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir], {
		cwd: ROOT,
		stdio: ["ignore", 2, "inherit"], // tsc reports on stdout; keep stdout for callers printing JSON
	});
	await bundleWorker(join(outDir, WORKER_BUNDLE));
}

export async function bundleWorker(outfile: string): Promise<void> {
	await build({
		absWorkingDir: ROOT,
		entryPoints: ["workers/account-actor.ts"],
		outfile,
		bundle: true,
		platform: "node",
		format: "esm",
		target: "node22",
		sourcemap: true,
		logLevel: "warning",
		// Loaded only by the Redis store (dynamic import), from the package's own dependencies: a
		// file-store actor never parses it.
		external: ["ioredis"],
		// CommonJS dependencies call require() for Node's
		// built-ins; an ES module has none, so give the bundle one.
		banner: {
			js: 'import { createRequire as __piDispatchRequire } from "node:module";\nconst require = __piDispatchRequire(import.meta.url);',
		},
	});
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const { values } = parseArgs({ options: { "out-dir": { type: "string", default: "dist" } } });
	await buildAll(resolve(ROOT, values["out-dir"]));
}
