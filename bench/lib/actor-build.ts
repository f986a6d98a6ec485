/**
 * Which file the actors' worker threads run. An installed pi-dispatch runs the compiled build
 * (dist/, where Node does not strip types) and its bundled worker entry, so the bench measures that:
 * a private `npm run build` (scripts/build.ts) of src/ and workers/ in the temp folder, cached by a
 * hash of the sources (tsc takes ~10 s on two cores).
 * Private rather than dist/, which the test suite rebuilds while others may be running it.
 * `PI_DISPATCH_ACTOR_WORKER` (the core's own override, set by the test suite) wins.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, rename, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildAll, WORKER_BUNDLE } from "../../scripts/build.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = WORKER_BUNDLE;
const PRUNE_AFTER_MS = 24 * 3_600_000;

export interface ActorWorker {
	/** Absolute path of the compiled worker entry. */
	entry: string;
	/** The build's root (its `src/index.js` is the extension pi loads). */
	dir?: string;
	origin: "env" | "cached-build" | "fresh-build";
}

export async function actorWorkerBuild(log: (message: string) => void): Promise<ActorWorker> {
	const override = process.env.PI_DISPATCH_ACTOR_WORKER;
	if (override) return { entry: override, origin: "env" };
	const dir = join(tmpdir(), "pi-dispatch-bench-build", sourceHash());
	const entry = join(dir, ENTRY);
	if (existsSync(entry)) {
		await linkNodeModules(dir, ROOT);
		// In use: what another checkout's prune looks at.
		const now = new Date();
		await utimes(dir, now, now);
		return { entry, dir, origin: "cached-build" };
	}
	log(`building pi-dispatch (scripts/build.ts: tsc and the worker bundle) into ${dir}`);
	const staging = `${dir}.tmp-${process.pid}`;
	await buildAll(staging);
	// ESM like the package, and bare imports (piscina, lru-cache, …) resolved from the checkout.
	await writeFile(join(staging, "package.json"), '{ "type": "module" }\n');
	await linkNodeModules(staging, ROOT);
	await mkdir(dirname(dir), { recursive: true });
	try {
		await rename(staging, dir);
	} catch {
		await rm(staging, { recursive: true, force: true }); // another bench run built it first
	}
	await pruneOldBuilds(dir);
	return { entry, dir, origin: "fresh-build" };
}

/**
 * The build's bare imports resolve through a `node_modules` link to a checkout's. The cached build is
 * shared by every checkout of the same sources, so the link may name one deleted since (a removed
 * clone left every later run failing with "Cannot find package"): it is pointed at this checkout's
 * then, replaced in one rename.
 */
export async function linkNodeModules(dir: string, root: string): Promise<void> {
	const link = join(dir, "node_modules");
	// existsSync follows the link: false for a dangling one.
	if (existsSync(link)) return;
	const staged = `${link}.tmp-${process.pid}`;
	await rm(staged, { force: true });
	await symlink(join(root, "node_modules"), staged, "dir");
	await rename(staged, link);
}

/**
 * One build per source version accumulates otherwise. Another checkout's bench may be running on a
 * build of other sources right now (the folder is shared by every checkout on the machine), so only
 * builds untouched for a day go; staging folders of running builds are kept.
 */
export async function pruneOldBuilds(current: string, now = Date.now()): Promise<void> {
	const parent = dirname(current);
	for (const name of readdirSync(parent)) {
		const path = join(parent, name);
		if (name.includes(".tmp-") || path === current) continue;
		if (now - statSync(path).mtimeMs < PRUNE_AFTER_MS) continue;
		await rm(path, { recursive: true, force: true });
	}
}

/** Everything the build reads: the sources, both tsconfigs and the build script. */
function sourceHash(): string {
	const hash = createHash("sha256");
	const files = [
		...listTs(join(ROOT, "src")),
		...listTs(join(ROOT, "workers")),
		join(ROOT, "tsconfig.json"),
		join(ROOT, "tsconfig.build.json"),
		join(ROOT, "scripts", "build.ts"),
	].sort();
	for (const file of files) hash.update(relative(ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
	return hash.digest("hex").slice(0, 16);
}

function listTs(dir: string): string[] {
	return readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
		.map((entry) => join(entry.parentPath, entry.name));
}
