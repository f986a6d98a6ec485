/**
 * Quota alerts: one notice when the pool's remaining weekly quota crosses a threshold (50 / 25 /
 * 10 % by default), and one when an account needs a new login. Said once across every process:
 * the process whose store update marks the alert fired says it; the others find it marked. A
 * threshold is armed again once the pool is back above it (a weekly reset). Pure, except `claimAlerts`.
 */
import type { PoolSettings } from "../store/account-record.ts";
import { type AlertSettings, DEFAULT_ALERT_THRESHOLDS } from "../store/pool-settings.ts";

/** The pool must be this many points above a threshold before it can fire again. */
export const REARM_MARGIN = 5;

export type DueAlert =
	| { kind: "pool"; threshold: number; remaining: number; crossed: number[] }
	| { kind: "needs-login"; id: string; label: string; since: number };

export interface AlertState {
	/** The pool's remaining weekly quota, percent; undefined when no account reports a weekly window. */
	remaining: number | undefined;
	needsLogin: readonly { id: string; label: string; since: number }[];
}

export function alertsEnabled(settings: AlertSettings | undefined): boolean {
	return settings?.enabled !== false;
}

export function thresholdsOf(settings: AlertSettings | undefined): number[] {
	return [...(settings?.thresholds ?? DEFAULT_ALERT_THRESHOLDS)].sort((a, b) => b - a);
}

/** The alerts due now that `settings` does not mark fired. Several thresholds crossed at once make one alert. */
export function dueAlerts(settings: AlertSettings | undefined, state: AlertState): DueAlert[] {
	if (!alertsEnabled(settings)) return [];
	const due: DueAlert[] = [];
	const fired = settings?.fired;
	if (state.remaining !== undefined) {
		const remaining = state.remaining;
		const crossed = thresholdsOf(settings).filter((t) => remaining <= t && fired?.pool?.[String(t)] === undefined);
		if (crossed.length > 0) due.push({ kind: "pool", threshold: crossed.at(-1)!, remaining, crossed });
	}
	for (const account of state.needsLogin) {
		if (fired?.needsLogin?.[account.id] !== account.since) due.push({ kind: "needs-login", ...account });
	}
	return due;
}

/**
 * The marks as they should be: thresholds the pool is back above are armed again, accounts that no
 * longer need a login are forgotten. Undefined when nothing changes (no write needed).
 */
export function rearmed(settings: AlertSettings | undefined, state: AlertState): AlertSettings["fired"] | undefined {
	const fired = settings?.fired;
	if (!fired) return undefined;
	let changed = false;
	const pool = { ...fired.pool };
	for (const key of Object.keys(pool)) {
		if (state.remaining !== undefined && state.remaining > Number(key) + REARM_MARGIN) {
			delete pool[key];
			changed = true;
		}
	}
	const needing = new Set(state.needsLogin.map((a) => a.id));
	const needsLogin = { ...fired.needsLogin };
	for (const id of Object.keys(needsLogin)) {
		if (!needing.has(id)) {
			delete needsLogin[id];
			changed = true;
		}
	}
	if (!changed) return undefined;
	return {
		...(Object.keys(pool).length > 0 ? { pool } : {}),
		...(Object.keys(needsLogin).length > 0 ? { needsLogin } : {}),
	};
}

/**
 * Run inside one store update (on the pool's settings as stored): re-arms what is over, marks the
 * due alerts fired, and returns the alerts this caller won, the ones still unmarked in the store.
 * Leaves `settings` as it was when there is nothing to do.
 */
export function claimAlerts(settings: PoolSettings, state: AlertState, now: number): DueAlert[] {
	const alerts: AlertSettings = { ...settings.alerts };
	const fired = rearmed(alerts, state);
	if (fired !== undefined) {
		if (Object.keys(fired).length > 0) alerts.fired = fired;
		else delete alerts.fired;
	}
	const won = dueAlerts(alerts, state);
	if (won.length === 0 && fired === undefined) return [];
	const pool = { ...alerts.fired?.pool };
	const needsLogin = { ...alerts.fired?.needsLogin };
	for (const alert of won) {
		if (alert.kind === "pool") for (const t of alert.crossed) pool[String(t)] = now;
		else needsLogin[alert.id] = alert.since;
	}
	const next = {
		...(Object.keys(pool).length > 0 ? { pool } : {}),
		...(Object.keys(needsLogin).length > 0 ? { needsLogin } : {}),
	};
	if (Object.keys(next).length > 0) alerts.fired = next;
	else delete alerts.fired;
	if (Object.keys(alerts).length > 0) settings.alerts = alerts;
	else delete settings.alerts;
	return won;
}

/** Whether a check could find anything to write: something due or something to re-arm (no store access). */
export function alertWorkPending(settings: AlertSettings | undefined, state: AlertState): boolean {
	return dueAlerts(settings, state).length > 0 || rearmed(settings, state) !== undefined;
}

export function alertText(alert: DueAlert): string {
	if (alert.kind === "needs-login") {
		return `pi-dispatch: ${alert.label} needs a new login; it is skipped until you run /dispatch-login ${alert.label}.`;
	}
	return `pi-dispatch: the pool has ${Math.round(alert.remaining)}% of its weekly quota left (alert at ${alert.threshold}%); /dispatch-status shows the runway.`;
}
