import { type FSWatcher, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { type FileSignature, fileSignature, MISSING, signatureOf } from "./atomic-write.ts";

export interface WatchOptions {
	/** Stat poll period, the fallback where fs.watch misses changes (NFS, some containers). */
	pollMs?: number;
	/** Off in tests of the poll path. */
	useFsWatch?: boolean;
	/** True for a change this process made itself (from exactly `before` to `after`): not reported. */
	isOwnChange?: (before: FileSignature, after: FileSignature) => boolean;
}

/**
 * Call `onChange` when `file` is replaced or removed. fs.watch watches the folder, because an
 * atomic rename swaps the file's inode and a watch on the file itself would go deaf after the
 * first write; events for other names (temp files, locks) are ignored. Every event and every poll
 * compares a (inode, size, mtime) signature, so duplicates collapse into one call. Nothing here
 * keeps the process alive.
 */
export function watchFileChanges(file: string, onChange: () => void, options: WatchOptions = {}): () => void {
	const dir = dirname(file);
	const name = basename(file);
	let last = currentSignatureSync(file);
	let closed = false;
	let watcher: FSWatcher | undefined;
	let checking = false;
	let again = false;

	const notify = () => {
		try {
			onChange();
		} catch (error) {
			// A throwing listener must not crash pi from a timer callback.
			process.emitWarning(`pi-dispatch store watch listener threw: ${(error as Error)?.name ?? "error"}`);
		}
	};

	const check = async (): Promise<void> => {
		if (checking) {
			again = true;
			return;
		}
		checking = true;
		try {
			do {
				again = false;
				const now = await fileSignature(file);
				if (closed) return;
				if (now === last) continue;
				const before = last;
				last = now;
				if (!options.isOwnChange?.(before, now)) notify();
			} while (again && !closed);
		} finally {
			checking = false;
		}
	};

	const startWatcher = () => {
		if (watcher || closed || options.useFsWatch === false) return;
		try {
			watcher = watch(dir, { persistent: false }, (_event, filename) => {
				// Some platforms omit the name; then any event in the folder is worth a stat.
				if (filename === null || filename.toString() === name) void check();
			});
			watcher.on("error", () => {
				// The folder went away or the watch broke: the poll carries on and re-arms it.
				watcher?.close();
				watcher = undefined;
			});
		} catch {
			watcher = undefined;
		}
	};

	startWatcher();
	const timer = setInterval(() => {
		startWatcher();
		void check();
	}, options.pollMs ?? 500);
	timer.unref();

	return () => {
		closed = true;
		clearInterval(timer);
		watcher?.close();
		watcher = undefined;
	};
}

function currentSignatureSync(file: string): FileSignature {
	try {
		return signatureOf(statSync(file, { bigint: true }));
	} catch {
		return MISSING;
	}
}
