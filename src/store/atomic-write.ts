import { randomBytes } from "node:crypto";
import { open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Replace a file so readers see either the old bytes or the new, never a mix: write a temp file in
 * the same folder, fsync it, rename it over the target (atomic within one filesystem, including
 * NFS), then fsync the folder so the rename itself survives a power cut.
 */

/** Identity of one version of a file: a rename installs a new inode, so this changes per write. */
export type FileSignature = string;

export const MISSING: FileSignature = "missing";

export function signatureOf(st: { ino: bigint; size: bigint; mtimeNs: bigint }): FileSignature {
	return `${st.ino}:${st.size}:${st.mtimeNs}`;
}

export async function fileSignature(file: string): Promise<FileSignature> {
	try {
		return signatureOf(await stat(file, { bigint: true }));
	} catch {
		return MISSING;
	}
}

/** Temp names start with a dot and end in `.tmp`, so no reader ever mistakes one for the file. */
function tempPrefix(file: string): string {
	return `.${basename(file)}.`;
}

export interface AtomicWriteOptions {
	mode: number;
	/**
	 * Last chance to abort, after the data is durable and before it becomes visible; also the moment
	 * to note the signature the file is about to have (a watcher may look right after the rename).
	 */
	beforeRename?: (signature: FileSignature) => void;
}

/** Returns the signature the file will have (rename keeps inode, size and mtime). */
export async function writeFileAtomic(
	file: string,
	content: string,
	options: AtomicWriteOptions,
): Promise<FileSignature> {
	const dir = dirname(file);
	const temp = join(dir, `${tempPrefix(file)}${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
	let handle: Awaited<ReturnType<typeof open>> | undefined;
	let signature: FileSignature;
	try {
		handle = await open(temp, "wx", options.mode);
		// The umask may have narrowed the mode; a wider one must never happen, so set it exactly.
		await handle.chmod(options.mode);
		await handle.writeFile(content, "utf8");
		await handle.sync();
		signature = signatureOf(await handle.stat({ bigint: true }));
		await handle.close();
		handle = undefined;
		options.beforeRename?.(signature);
		await rename(temp, file);
	} catch (error) {
		await handle?.close().catch(() => {});
		await rm(temp, { force: true }).catch(() => {});
		throw error;
	}
	await syncDir(dir);
	return signature;
}

async function syncDir(dir: string): Promise<void> {
	let handle: Awaited<ReturnType<typeof open>> | undefined;
	try {
		handle = await open(dir, "r");
		await handle.sync();
	} catch {
		// Some filesystems refuse fsync on a folder (EINVAL); the rename is done, only durability
		// across a power cut is weaker there.
	} finally {
		await handle?.close().catch(() => {});
	}
}

/**
 * Delete temp files left by writers killed mid-write. Call only while holding the write lock:
 * then no live writer owns one, except one whose lock was lost, and that one must not rename anyway.
 */
export async function sweepTempFiles(file: string, olderThanMs: number): Promise<number> {
	const dir = dirname(file);
	const prefix = tempPrefix(file);
	let removed = 0;
	let names: string[];
	try {
		names = await readdir(dir);
	} catch {
		return 0;
	}
	for (const name of names) {
		if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
		const path = join(dir, name);
		try {
			const st = await stat(path);
			if (Date.now() - st.mtimeMs < olderThanMs) continue;
			await rm(path, { force: true });
			removed++;
		} catch {
			// Gone already, or not ours to remove: harmless either way.
		}
	}
	return removed;
}
