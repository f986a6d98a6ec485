/**
 * Keeps one pi session's view of the pool current: the footer entry, the live status widget, and
 * a one-line notice on every failover and when a /dispatch-use pin ends. Subscribes to the
 * supervisor's events; coalesces bursts (every stream start and end is a snapshot) into one redraw.
 */

import type { EventEmitter } from "eventemitter3";
import { failoverNotice } from "../dispatch/user-messages.ts";
import { AlertWatch } from "../quota/alert-watch.ts";
import { loadQuotaView, type QuotaView } from "../quota/quota-view.ts";
import type { FailoverEvent, Supervisor, SupervisorEvents } from "../supervisor/supervisor.ts";
import type { CommandUI, SessionView } from "./command-env.ts";
import { footerText } from "./footer.ts";
import { poolView, quotaFields, renderStatusTable } from "./status-table.ts";
import { storeView } from "./store-title.ts";

export const STATUS_WIDGET_KEY = "pi-dispatch-status";

/** How stale the widget's burn rates may get before the history is read again. */
const QUOTA_REFRESH_MS = 60_000;

export interface SessionWatchOptions {
	/** Coalescing delay for redraws. Default 150 ms. */
	redrawDelayMs?: number;
	/** While the status widget is shown, redraw this often so ages stay true. Default 15 s. */
	statusTickMs?: number;
	now?: () => number;
}

export class SessionWatch implements SessionView {
	readonly supervisor: Supervisor;
	readonly sessionKey: string;
	readonly #ui: CommandUI;
	readonly #options: Required<SessionWatchOptions>;
	readonly #unsubscribe: (() => void)[] = [];
	#statusShown = false;
	#redraw: NodeJS.Timeout | undefined;
	#tick: NodeJS.Timeout | undefined;
	#stopped = false;
	#quota: { at: number; view: QuotaView } | undefined;
	#quotaLoading = false;
	readonly #alerts: AlertWatch | undefined;

	constructor(supervisor: Supervisor, sessionKey: string, ui: CommandUI, options: SessionWatchOptions = {}) {
		this.supervisor = supervisor;
		this.sessionKey = sessionKey;
		this.#ui = ui;
		this.#options = {
			redrawDelayMs: options.redrawDelayMs ?? 150,
			statusTickMs: options.statusTickMs ?? 15_000,
			now: options.now ?? Date.now,
		};
		const schedule = () => this.#scheduleRedraw();
		this.#listen("snapshot", schedule);
		this.#listen("accounts-changed", schedule);
		this.#listen("routed", (sessionKey) => {
			if (this.#mine(sessionKey)) schedule();
		});
		this.#listen("failover", (event) => this.#onFailover(event));
		this.#listen("pin-cleared", (sessionKey, label, reason) => {
			if (sessionKey !== this.sessionKey) return;
			this.#safely(() => this.#ui.notify(pinClearedNotice(label, reason), "warning"));
			schedule();
		});
		// Alerts are for a person watching pi (TUI, an RPC client's UI), not for a script's `pi -p` output.
		if (ui.mode === "tui" || ui.mode === "rpc") {
			this.#alerts = new AlertWatch(
				supervisor,
				(text) => this.#safely(() => this.#ui.notify(text, "warning")),
				this.#options.now,
			);
		}
		this.#drawFooter();
		void this.#alerts?.check();
	}

	refresh(): void {
		this.#drawFooter();
		this.#drawStatus();
		void this.#alerts?.check();
	}

	#drawFooter(): void {
		const text = footerText(this.supervisor.accounts(), this.#sessionAccounts(), this.#options.now());
		this.#safely(() => this.#ui.setStatus(text));
	}

	showStatus(): void {
		this.#statusShown = true;
		this.#drawStatus();
		if (!this.#tick) {
			this.#tick = setInterval(() => this.#drawStatus(), this.#options.statusTickMs);
			this.#tick.unref();
		}
	}

	hideStatus(): void {
		this.#statusShown = false;
		this.#clearTick();
		this.#safely(() => this.#ui.show(STATUS_WIDGET_KEY, undefined));
	}

	/** Unsubscribes; leaves pi's UI as it is (the session is going away). */
	stop(): void {
		this.#stopped = true;
		for (const off of this.#unsubscribe.splice(0)) off();
		if (this.#redraw) clearTimeout(this.#redraw);
		this.#redraw = undefined;
		this.#clearTick();
	}

	/** The status lines for this session, also used by /dispatch-status in print and RPC mode. */
	statusLines(): string[] {
		const now = this.#options.now();
		return renderStatusTable({
			accounts: this.supervisor.accounts(),
			session: this.#sessionAccounts(),
			now,
			...storeView(this.supervisor),
			credits: this.supervisor.creditsPolicy(),
			...poolView(this.supervisor),
			...(this.#quota ? quotaFields(this.#quota.view, now) : {}),
		});
	}

	/** Burn rates and runway come from the history: re-read at most once a minute, then redrawn. */
	#refreshQuota(): void {
		const now = this.#options.now();
		if (this.#quotaLoading || (this.#quota && now - this.#quota.at < QUOTA_REFRESH_MS)) return;
		this.#quotaLoading = true;
		const { supervisor } = this;
		void loadQuotaView(supervisor.store, supervisor.accounts(), supervisor.settings(), now)
			.then((view) => {
				this.#quota = { at: now, view };
				this.#drawStatus();
			})
			.catch(() => undefined)
			.finally(() => {
				this.#quotaLoading = false;
			});
	}

	// -------------------------------------------------------------------------------------------

	#listen<E extends keyof SupervisorEvents>(event: E, handler: EventEmitter.EventListener<SupervisorEvents, E>): void {
		this.supervisor.on(event, handler);
		this.#unsubscribe.push(() => this.supervisor.off(event, handler));
	}

	#onFailover(event: FailoverEvent): void {
		// With no account left the request fails, and that error already says why.
		if (!this.#mine(event.sessionKey) || !event.to) return;
		const notice = failoverNotice(event.from.label, event.reason, event.until, event.to.label, this.#options.now());
		this.#safely(() => this.#ui.notify(notice, "warning"));
		this.#scheduleRedraw();
	}

	#mine(sessionKey: string | undefined): boolean {
		return sessionKey === undefined || sessionKey === this.sessionKey;
	}

	#sessionAccounts() {
		const activeId = this.supervisor.activeAccount(this.sessionKey);
		const pinnedId = this.supervisor.pinnedAccount(this.sessionKey);
		return { ...(activeId ? { activeId } : {}), ...(pinnedId ? { pinnedId } : {}) };
	}

	#scheduleRedraw(): void {
		if (this.#stopped || this.#redraw) return;
		this.#redraw = setTimeout(() => {
			this.#redraw = undefined;
			this.refresh();
		}, this.#options.redrawDelayMs);
		this.#redraw.unref();
	}

	#drawStatus(): void {
		if (this.#stopped || !this.#statusShown) return;
		this.#refreshQuota();
		const lines = this.statusLines();
		this.#safely(() => this.#ui.show(STATUS_WIDGET_KEY, lines));
	}

	#clearTick(): void {
		if (this.#tick) clearInterval(this.#tick);
		this.#tick = undefined;
	}

	/** A UI call on a session pi already replaced throws; then this watch is over. */
	#safely(call: () => void): void {
		if (this.#stopped) return;
		try {
			call();
		} catch {
			this.stop();
		}
	}
}

/** Told once, when the pinned account runs out (or needs a login) and rotation takes over again. */
export function pinClearedNotice(label: string, reason: string): string {
	const why = reason === "needs-login" ? "needs a new login" : reason === "gave-up" ? "is down" : "ran out of quota";
	return `${label} ${why}: the /dispatch-use pin is cleared and pi-dispatch picks accounts again.`;
}
