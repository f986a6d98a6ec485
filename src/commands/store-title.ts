import type { Supervisor } from "../supervisor/supervisor.ts";
import type { StatusTableInput } from "./status-table.ts";

/**
 * Where the pool lives, and when it cannot be reached, since when (served from what is known
 * meanwhile): the status title and a line of its own under it, so the 80-column cut keeps it whole.
 */
export function storeView(supervisor: Supervisor): Pick<StatusTableInput, "file" | "storeNote"> {
	const file = supervisor.store.file;
	const health = supervisor.store.health();
	if (health.reachable) return { file };
	const since = health.since ? ` since ${new Date(health.since).toISOString().slice(11, 19)}` : "";
	return { file, storeNote: `store unreachable${since} (${health.detail ?? "no connection"}), serving from memory` };
}
