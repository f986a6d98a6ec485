/**
 * Holding a lease while the caller's work runs, shared by both pool stores: renewed every third of
 * its time to live (at least 50 ms apart); a renewal the store refuses means another holder took
 * it over, so the work's signal aborts and the call fails after the work settles. A renewal that
 * could not reach the store changes nothing: the next one tries again.
 */
import { StoreLockCompromisedError } from "./store-errors.ts";

export async function whileLeaseRenewed<T>(
	ttlMs: number,
	lockPath: string,
	renew: () => Promise<boolean>,
	fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
	const lost = new AbortController();
	const timer = setInterval(
		() => {
			void renew().then(
				(ok) => {
					if (!ok) lost.abort(new StoreLockCompromisedError(lockPath));
				},
				() => undefined,
			);
		},
		Math.max(50, ttlMs / 3),
	);
	timer.unref();
	try {
		const result = await fn(lost.signal);
		if (lost.signal.aborted) throw lost.signal.reason;
		return result;
	} finally {
		clearInterval(timer);
	}
}
