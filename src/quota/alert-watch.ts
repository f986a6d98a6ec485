/**
 * Runs the quota alerts for one pi session: after the pool changes (the session watch's redraws),
 * a check in memory; only when something is due (or due to re-arm) one store update claims it, and
 * the notice shows here only if this process won it.
 */
import type { AccountRecord, PoolSettings, StoreData } from "../store/account-record.ts";
import type { AccountView } from "../supervisor/supervisor.ts";
import { type AlertState, alertsEnabled, alertText, alertWorkPending, claimAlerts } from "./alerts.ts";
import { quotasOf } from "./quota-view.ts";
import { poolRunway } from "./runway.ts";

export interface AlertSource {
	accounts(): AccountView[];
	settings(): PoolSettings;
	updateSettings<T>(edit: (settings: PoolSettings, data: StoreData) => T): Promise<T>;
}

/** The pool's remaining weekly quota and the accounts needing a login, as `views` show them. */
export function alertStateOf(
	views: readonly AccountView[],
	settings: PoolSettings,
	now: number,
	records?: readonly AccountRecord[],
): AlertState {
	const runway = poolRunway(quotasOf(views, settings, new Map(), now), now);
	const needsLogin = records
		? records.flatMap((r) => (r.needsLogin ? [{ id: r.id, label: r.label, since: r.needsLogin.since }] : []))
		: views.flatMap((v) => (v.snapshot.state === "needs-login" ? [{ id: v.id, label: v.label, since: 0 }] : []));
	return { remaining: runway?.remainingPercent, needsLogin };
}

export class AlertWatch {
	readonly #source: AlertSource;
	readonly #notify: (text: string) => void;
	readonly #now: () => number;
	#checking: Promise<void> | undefined;
	#lastClaim: string | undefined;

	constructor(source: AlertSource, notify: (text: string) => void, now: () => number = Date.now) {
		this.#source = source;
		this.#notify = notify;
		this.#now = now;
	}

	/** Checks (once at a time); resolves when any notice won here has been given. Never rejects. */
	check(): Promise<void> {
		this.#checking ??= this.#check()
			.catch(() => undefined)
			.finally(() => {
				this.#checking = undefined;
			});
		return this.#checking;
	}

	async #check(): Promise<void> {
		const now = this.#now();
		const views = this.#source.accounts();
		const settings = this.#source.settings();
		const seen = alertStateOf(views, settings, now);
		const known = new Set(Object.keys(settings.alerts?.fired?.needsLogin ?? {}));
		const loginNews = seen.needsLogin.some((a) => !known.has(a.id)) || known.size !== seen.needsLogin.length;
		const pending = alertWorkPending(settings.alerts, { ...seen, needsLogin: [] }) || loginNews;
		if (!pending || !alertsEnabled(settings.alerts)) return;
		// The same picture claimed already, without news: no store write per redraw.
		const key = JSON.stringify([Math.round(seen.remaining ?? -1), seen.needsLogin.map((a) => a.id), settings.alerts]);
		if (key === this.#lastClaim) return;
		this.#lastClaim = key;
		// The store has the last word: the marks as stored, and who needs a login since when.
		const won = await this.#source
			.updateSettings((next, data) =>
				claimAlerts(next, { ...seen, needsLogin: alertStateOf(views, next, now, data.accounts).needsLogin }, now),
			)
			.catch(() => []);
		for (const alert of won) this.#notify(alertText(alert));
	}
}
