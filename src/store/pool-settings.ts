/**
 * The pool's own settings besides the credits policy: caps, alerts, and the alerts' "already said"
 * marks. Plain JSON inside `StoreData.settings`, so any store implementation can hold it.
 */

/** The two windows a cap can name: the short one (5 h) and the long one (weekly, 30 days on some plans). */
export type CapWindow = "5h" | "weekly";

export const CAP_WINDOWS: readonly CapWindow[] = ["5h", "weekly"];

/** Stop routing to an account once the window's used share reaches `percent`. */
export interface CapRule {
	/** 1..100 */
	percent: number;
	/** A hard cap is never crossed; a soft one is, when no other account can serve. */
	hard?: boolean;
}

export type WindowCaps = Partial<Record<CapWindow, CapRule>>;

export interface CapSettings {
	/** For every account (`--all`), unless the account has its own cap on that window. */
	all?: WindowCaps;
	/** Per account id. */
	accounts?: Record<string, WindowCaps>;
}

export interface AlertSettings {
	/** Default on. */
	enabled?: boolean;
	/** Pool's remaining weekly quota, in percent, at which to say so once. Default 50, 25, 10. */
	thresholds?: number[];
	/**
	 * What was said already, so that one process says it once for the whole pool: threshold → epoch
	 * ms when it fired (re-armed once the pool is back above it), account id → the `needsLogin.since`
	 * it was said for.
	 */
	fired?: { pool?: Record<string, number>; needsLogin?: Record<string, number> };
}

export const DEFAULT_ALERT_THRESHOLDS: readonly number[] = [50, 25, 10];
