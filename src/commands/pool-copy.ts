/**
 * /dispatch-pool-copy to-redis | to-file [folder]: moves a pool between a state folder's file
 * store (this machine's by default) and the shared Redis named by PI_DISPATCH_REDIS_URL, deduplicated by account (see
 * src/store/copy-pool.ts). The source keeps its copy; refresh tokens work once, so only one of
 * the two may be used from then on.
 */
import { isAbsolute } from "node:path";
import { copyPool } from "../store/copy-pool.ts";
import { openPoolStore } from "../store/open-pool-store.ts";
import type { DispatchCommand } from "./command-env.ts";
import { CommandUsageError } from "./command-errors.ts";

const USAGE =
	"Usage: /dispatch-pool-copy to-redis | to-file (copies this folder's file pool into the Redis pool, or back)";

export function poolCopyCommand(): DispatchCommand {
	return {
		name: "dispatch-pool-copy",
		description:
			"Copy this machine's file pool into the shared Redis pool, or back: /dispatch-pool-copy to-redis|to-file",
		complete: (prefix) => ["to-redis", "to-file"].filter((c) => c.startsWith(prefix)),
		async run(args, env) {
			const [direction, ...rest] = args.trim().split(/\s+/);
			const folder = rest.join(" ");
			if (folder && !isAbsolute(folder)) throw new CommandUsageError(USAGE);
			if (direction !== "to-redis" && direction !== "to-file") throw new CommandUsageError(USAGE);
			const supervisor = await env.runtime.supervisor();
			const shared = supervisor.store;
			if (shared.config.kind !== "redis") {
				throw new CommandUsageError(
					"The pool is on this machine's file store: set PI_DISPATCH_REDIS_URL (or store.json) to name the Redis pool first.",
				);
			}
			const file = openPoolStore({ kind: "file", home: folder || shared.home });
			try {
				const [from, to] = direction === "to-redis" ? [file, shared] : [shared, file];
				const outcome = await copyPool(from, to);
				const parts = [
					`${outcome.added.length} added`,
					`${outcome.updated.length} updated with newer logins`,
					`${outcome.kept.length} already there`,
				];
				env.ui.notify(`Copied ${from.file} into ${to.file}: ${parts.join(", ")}.`, "info");
				if (outcome.added.length + outcome.updated.length > 0) {
					env.ui.notify(
						"Both pools now hold these logins and a refresh token works only once: use one of them from now on (pi-dispatch uses the Redis pool while PI_DISPATCH_REDIS_URL is set).",
						"warning",
					);
				}
			} finally {
				file.close();
			}
			await supervisor.reload();
		},
	};
}
