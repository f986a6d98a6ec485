import type { Supervisor } from "../supervisor/supervisor.ts";

/** The store's name, and when it cannot be reached, since when (served from what is known meanwhile). */
export function storeTitle(supervisor: Supervisor): string {
	const health = supervisor.store.health();
	if (health.reachable) return supervisor.store.file;
	const since = health.since ? ` since ${new Date(health.since).toISOString().slice(11, 19)}` : "";
	return `${supervisor.store.file}: store unreachable${since} (${health.detail ?? "no connection"}), serving from memory`;
}
