import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Keep the exact bytes of a file beside it as `<file>.<tag>-<timestamp>` (mode 0600: they hold
 * tokens), before anything could replace them. An identical earlier copy is reused, so a bad file
 * read by many processes, many times, leaves one copy. Throws when no copy could be written.
 */
export async function keepCopy(file: string, bytes: Buffer, tag: string, now = new Date()): Promise<string> {
	const dir = dirname(file);
	const prefix = `${basename(file)}.${tag}-`;
	const existing = await findIdentical(dir, prefix, bytes);
	if (existing) return existing;
	const stamp = now.toISOString().replace(/[:.]/g, "-");
	for (let n = 0; ; n++) {
		const path = join(dir, `${prefix}${stamp}${n === 0 ? "" : `-${n}`}`);
		try {
			await writeFile(path, bytes, { flag: "wx", mode: 0o600 });
			return path;
		} catch (error) {
			// Another process kept a copy in the same millisecond; take the next name.
			if ((error as NodeJS.ErrnoException).code !== "EEXIST" || n >= 100) throw error;
		}
	}
}

async function findIdentical(dir: string, prefix: string, bytes: Buffer): Promise<string | undefined> {
	let names: string[];
	try {
		names = await readdir(dir);
	} catch {
		return undefined;
	}
	for (const name of names.sort()) {
		if (!name.startsWith(prefix)) continue;
		const path = join(dir, name);
		try {
			if ((await stat(path)).size !== bytes.length) continue;
			if ((await readFile(path)).equals(bytes)) return path;
		} catch {
			// Vanished or unreadable: not a match.
		}
	}
	return undefined;
}
