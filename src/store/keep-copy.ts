import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Keep the exact bytes of a file beside it as `<file>.<tag>-<timestamp>` (mode 0600: they hold
 * tokens), before anything could replace them. An identical earlier copy is reused, so a bad file
 * read by many processes, many times, leaves one copy. Throws when no copy could be written.
 */
export function keepCopy(file: string, bytes: Buffer, tag: string, now = new Date()): string {
	const dir = dirname(file);
	const prefix = `${basename(file)}.${tag}-`;
	const existing = findIdentical(dir, prefix, bytes);
	if (existing) return existing;
	const stamp = now.toISOString().replace(/[:.]/g, "-");
	for (let n = 0; ; n++) {
		const path = join(dir, `${prefix}${stamp}${n === 0 ? "" : `-${n}`}`);
		try {
			writeFileSync(path, bytes, { flag: "wx", mode: 0o600 });
			return path;
		} catch (error) {
			// Another process kept a copy in the same millisecond; take the next name.
			if ((error as NodeJS.ErrnoException).code !== "EEXIST" || n >= 100) throw error;
		}
	}
}

/** `keepCopy` of the file's current bytes. */
export function keepCopyOf(file: string, tag: string): string {
	return keepCopy(file, readFileSync(file), tag);
}

function findIdentical(dir: string, prefix: string, bytes: Buffer): string | undefined {
	let names: string[];
	try {
		names = readdirSync(dir);
	} catch {
		return undefined;
	}
	for (const name of names.sort()) {
		if (!name.startsWith(prefix)) continue;
		const path = join(dir, name);
		try {
			if (statSync(path).size !== bytes.length) continue;
			if (readFileSync(path).equals(bytes)) return path;
		} catch {
			// Vanished or unreadable: not a match.
		}
	}
	return undefined;
}
