/**
 * Rotated tokens the database refused to take (folder read-only, disk full, ...): written to a
 * side file `<home>/pending-<hash>.json` (0600) if even that is possible, and merged into the
 * database by the next store that opens it. A side file only applies while the database still
 * holds the refresh token it replaced, so a newer login or refresh always wins over it.
 */
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { AccountCredentials } from "./account-record.ts";

export interface PendingSave {
	accountId: string;
	/** The refresh token these credentials replaced (compare-and-set key). */
	replaces: string;
	credentials: AccountCredentials;
	savedAt: number;
}

const PREFIX = "pending-";

export function pendingFile(home: string, accountId: string): string {
	return join(home, `${PREFIX}${createHash("sha256").update(accountId).digest("hex").slice(0, 16)}.json`);
}

/** Writes the side file durably (temp + fsync + rename); throws when the folder refuses. */
export function writePending(home: string, pending: PendingSave): string {
	const file = pendingFile(home, pending.accountId);
	const temp = `${file}.${process.pid}.tmp`;
	const fd = openSync(temp, "w", 0o600);
	try {
		writeSync(fd, JSON.stringify(pending));
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
	renameSync(temp, file);
	return file;
}

/** Every readable side file in `home`, with its path. Unreadable ones are skipped (and kept). */
export function readPending(home: string): { file: string; pending: PendingSave }[] {
	let names: string[];
	try {
		names = readdirSync(home);
	} catch {
		return [];
	}
	const found: { file: string; pending: PendingSave }[] = [];
	for (const name of names) {
		if (!name.startsWith(PREFIX) || !name.endsWith(".json")) continue;
		const file = join(home, name);
		try {
			const pending = JSON.parse(readFileSync(file, "utf8")) as PendingSave;
			if (typeof pending.accountId === "string" && typeof pending.credentials?.refresh === "string")
				found.push({ file, pending });
		} catch {
			// Half-written or foreign: leave it for a person.
		}
	}
	return found;
}

export function removePending(file: string): void {
	try {
		unlinkSync(file);
	} catch {
		// Already merged by another process, or the folder is still read-only: harmless.
	}
}
