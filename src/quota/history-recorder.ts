/**
 * Feeds the pool's usage history: every usage an account's snapshot shows (headers of an answer, a
 * poll, another process's write read back) becomes a sample, at most one a minute per account; the
 * store refuses the ones another process already wrote. Off the request path: written on the next
 * turn of the event loop after the snapshot, never awaited by anything.
 */
import type { ActorSnapshot } from "../protocol/messages.ts";
import type { PoolStore } from "../store/pool-store.ts";
import { HISTORY_MIN_GAP_MS } from "../store/usage-history.ts";
import { sampleOf } from "../store/usage-sample.ts";

interface SnapshotSource {
	readonly store: Pick<PoolStore, "appendUsageSample">;
	on(event: "snapshot", listener: (snapshot: ActorSnapshot) => void): unknown;
	off(event: "snapshot", listener: (snapshot: ActorSnapshot) => void): unknown;
}

/** Starts recording; returns the stop. */
export function recordUsageHistory(source: SnapshotSource): () => void {
	/** account → observedAt of the last sample tried from here. */
	const tried = new Map<string, number>();
	const listener = (snapshot: ActorSnapshot) => {
		const usage = snapshot.usage;
		if (!usage || usage.source === "error") return;
		const last = tried.get(snapshot.accountId);
		if (last !== undefined && usage.observedAt - last < HISTORY_MIN_GAP_MS) return;
		const sample = sampleOf(usage);
		if (!sample) return;
		tried.set(snapshot.accountId, usage.observedAt);
		setImmediate(() => {
			// A refused write (read-only folder, busy) loses one point of history, nothing else.
			source.store.appendUsageSample(snapshot.accountId, sample).catch(() => undefined);
		});
	};
	source.on("snapshot", listener);
	return () => source.off("snapshot", listener);
}
