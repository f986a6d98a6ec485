/**
 * What a dormant account looks like: everything routing and the UI need is in the store (tokens'
 * expiry, usage, cooldown, needs-login), so an account without a running actor is described from
 * there. A cooldown ends by comparison with the clock; no timer is needed for it.
 */
import type { ActorReport } from "../protocol/messages.ts";
import type { AccountRecord, SharedAccountState } from "../store/account-record.ts";

export function storedReport(
	record: AccountRecord,
	shared: SharedAccountState,
	now: number,
	since: number,
	restarts: number,
): ActorReport {
	const cooling = shared.cooldownUntil !== undefined && shared.cooldownUntil > now;
	return {
		accountId: record.id,
		label: record.label,
		state: record.needsLogin ? "needs-login" : cooling ? "cooling-down" : "ready",
		...(cooling ? { cooldownUntil: shared.cooldownUntil } : {}),
		...(cooling && shared.cooldownReason !== undefined ? { cooldownReason: shared.cooldownReason } : {}),
		...(shared.usage ? { usage: shared.usage } : {}),
		startedAt: since,
		restarts,
		...(record.needsLogin ? { lastError: record.needsLogin.reason, lastErrorAt: record.needsLogin.since } : {}),
		tokenExpiresAt: record.credentials.expiresAt,
	};
}

/** An active actor's report, with a cooldown that has ended meanwhile read as over. */
export function withEndedCooldown(report: ActorReport, now: number): ActorReport {
	if (report.state !== "cooling-down" || report.cooldownUntil === undefined || report.cooldownUntil > now) {
		return report;
	}
	const { cooldownUntil: _until, cooldownReason: _reason, ...rest } = report;
	return { ...rest, state: "ready" };
}

/**
 * An active actor's report made before it took in the store's latest state (its thread started
 * with an older one, or the store-changed still waits in its queue, seconds under load): a cooldown
 * the store holds counts until the actor has seen it. Once it has, its report has the last word (it
 * may have retracted that cooldown). Without this a thread started just before another process's
 * 429 reported "ready" and routing sent requests to the exhausted account (multi-process bench).
 */
export function withUnseenStoreCooldown(
	report: ActorReport,
	shared: SharedAccountState,
	seen: boolean,
	now: number,
): ActorReport {
	const until = shared.cooldownUntil;
	if (seen || until === undefined || until <= now || (report.cooldownUntil ?? 0) >= until) return report;
	if (report.state !== "ready" && report.state !== "cooling-down") return report;
	const reason = shared.cooldownReason !== undefined ? { cooldownReason: shared.cooldownReason } : {};
	return { ...report, state: "cooling-down", cooldownUntil: until, ...reason };
}
