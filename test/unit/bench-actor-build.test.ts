import { existsSync, readlinkSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readlink, rm, symlink, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { linkNodeModules, pruneOldBuilds } from "../../bench/lib/actor-build.ts";

let base: string | undefined;
afterEach(async () => {
	if (base) await rm(base, { recursive: true, force: true });
	base = undefined;
});

/** A checkout with its node_modules, and a build folder as the bench caches it. */
async function layout(): Promise<{ root: string; build: string }> {
	base = await mkdtemp(join(tmpdir(), "pi-dispatch-actor-build-"));
	const root = join(base, "checkout");
	const build = join(base, "build");
	await mkdir(join(root, "node_modules"), { recursive: true });
	await mkdir(build);
	return { root, build };
}

describe("the cached build's node_modules link", () => {
	it("is created when missing", async () => {
		const { root, build } = await layout();
		await linkNodeModules(build, root);
		expect(await readlink(join(build, "node_modules"))).toBe(join(root, "node_modules"));
	});

	it("is pointed at this checkout when it names one that was deleted (a removed clone)", async () => {
		const { root, build } = await layout();
		await symlink(join(base!, "removed-clone", "node_modules"), join(build, "node_modules"), "dir");
		expect(existsSync(join(build, "node_modules"))).toBe(false);
		await linkNodeModules(build, root);
		expect(readlinkSync(join(build, "node_modules"))).toBe(join(root, "node_modules"));
		expect(existsSync(join(build, "node_modules"))).toBe(true);
	});

	it("is left alone when it names another checkout that still exists (the same lockfile)", async () => {
		const { root, build } = await layout();
		const other = join(base!, "other-clone", "node_modules");
		await mkdir(other, { recursive: true });
		await symlink(other, join(build, "node_modules"), "dir");
		await linkNodeModules(build, root);
		expect(readlinkSync(join(build, "node_modules"))).toBe(other);
	});
});

describe("pruning cached builds", () => {
	it("removes builds untouched for a day and keeps recent ones (another checkout's bench may be on one)", async () => {
		base = await mkdtemp(join(tmpdir(), "pi-dispatch-actor-build-"));
		const now = Date.now();
		for (const name of ["current", "recent-other", "old-other", "old-staging.tmp-123"]) await mkdir(join(base, name));
		const twoDaysAgo = new Date(now - 2 * 86_400_000);
		await utimes(join(base, "old-other"), twoDaysAgo, twoDaysAgo);
		await utimes(join(base, "old-staging.tmp-123"), twoDaysAgo, twoDaysAgo);
		await pruneOldBuilds(join(base, "current"), now);
		expect((await readdir(base)).sort()).toEqual(["current", "old-staging.tmp-123", "recent-other"]);
	});
});
