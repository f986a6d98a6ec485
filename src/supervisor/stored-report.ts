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
