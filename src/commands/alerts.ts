/**
 * /dispatch-alerts [on|off|<percent>…]: the quota alerts (the pool's remaining weekly quota crossing
 * a threshold, an account needing a login), said once across every process. Stored in the pool.
 */
import { alertsEnabled, thresholdsOf } from "../quota/alerts.ts";
import type { AlertSettings } from "../store/pool-settings.ts";
import type { DispatchCommand } from "./command-env.ts";
import { CommandUsageError } from "./command-errors.ts";

const USAGE = "Usage: /dispatch-alerts [on|off|<percent> …], e.g. /dispatch-alerts 50 25 10.";

/** The change the arguments ask for; CommandUsageError when they make none. */
export function parseAlertsArgs(args: string): Partial<AlertSettings> | undefined {
	const words = args.split(/[\s,]+/).filter(Boolean);
	if (words.length === 0) return undefined;
	if (words.length === 1 && (words[0] === "on" || words[0] === "off")) return { enabled: words[0] === "on" };
	const thresholds = words.map((w) => Number(w.replace(/%$/, "")));
	if (thresholds.some((t) => !Number.isFinite(t) || t <= 0 || t >= 100)) throw new CommandUsageError(USAGE);
	return { enabled: true, thresholds: [...new Set(thresholds)].sort((a, b) => b - a) };
}

export function alertsLine(settings: AlertSettings | undefined): string {
	if (!alertsEnabled(settings)) return "Alerts: off (/dispatch-alerts on turns them on).";
	const at = thresholdsOf(settings)
		.map((t) => `${t}%`)
		.join(", ");
	return `Alerts: on, when the pool's weekly quota left falls to ${at}, and when an account needs a login; said once across every pi process.`;
}

export function alertsCommand(): DispatchCommand {
	return {
		name: "dispatch-alerts",
		description: "Quota alerts: /dispatch-alerts [on|off|<percent> …]",
		complete: (prefix) => ["on", "off"].filter((w) => w.startsWith(prefix.trim())),
		async run(args, env) {
			const supervisor = await env.runtime.supervisor();
			const change = parseAlertsArgs(args);
			if (change) {
				await supervisor.updateSettings((settings) => {
					const alerts: AlertSettings = { ...settings.alerts, ...change };
					// New thresholds start unfired: they are said when next crossed.
					if (change.thresholds) delete alerts.fired;
					if (alerts.enabled === true) delete alerts.enabled;
					settings.alerts = alerts;
				});
			}
			env.ui.notify(alertsLine(supervisor.settings().alerts), "info");
		},
	};
}
