/**
 * A package laid out as `pi install npm:<package>` leaves it: in `<modules>/<name>` (copied: Node
 * resolves from a file's real path) beside its runtime dependencies and nothing else. pi installs
 * packages with peers suppressed (npm's `--legacy-peer-deps`), so no `@earendil-works/*` is there
 * to resolve, unlike in a checkout. Used by the end-to-end tests and bench:startup.
 */
import { readFileSync } from "node:fs";
import { cp, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Copies `files` (source → path inside the package) into `<modules>/pi-dispatch` and links package.json's
 * `dependencies` from the checkout's node_modules beside it. Returns the package folder.
 */
export async function installLikePi(modules: string, files: [from: string, to: string][]): Promise<string> {
	const pkg = join(modules, "pi-dispatch");
	for (const [from, to] of files) {
		await cp(from, join(pkg, to), {
			recursive: true,
			// A build's node_modules link names the checkout's, with pi's packages in it.
			filter: (source) => source !== join(from, "node_modules"),
		});
	}
	const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
		dependencies: Record<string, string>;
	};
	for (const name of Object.keys(manifest.dependencies)) {
		await mkdir(join(modules, name, ".."), { recursive: true });
		await symlink(join(REPO, "node_modules", name), join(modules, name), "dir");
	}
	return pkg;
}
