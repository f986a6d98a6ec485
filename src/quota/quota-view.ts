/**
 * The pool's burn rates and runway as the status shows them: read from the usage history (the
 * status's own path, never a request's) and put into words that fit 80 columns.
 */
import { burnText } from "../commands/text-format.ts";
import { formatLocalTime } from "../dispatch/user-messages.ts";
import type { PoolSettings } from "../store/account-record.ts";
import type { PoolStore } from "../store/pool-store.ts";
import type { AccountView } from "../supervisor/supervisor.ts";
import { longestWindow } from "../usage/usage-snapshot.ts";
import { capFor } from "./caps.ts";
import { type AccountQuota, BURN_LOOKBACK_MS, burnRate, poolRunway, type Runway } from "./runway.ts";

export interface QuotaView {
	burn: Map<string, number>;
	runway: Runway | undefined;
}

/** Accounts that count for the pool's quota: those that can serve at all. */
function counts(view: AccountView): boolean {
	return view.snapshot.state !== "needs-login" && view.snapshot.state !== "gave-up";
}

export async function loadQuotaView(
	store: Pick<PoolStore, "readUsageHistory">,
	accounts: readonly AccountView[],
	settings: PoolSettings,
	now: number,
): Promise<QuotaView> {
	const burn = new Map<string, number>();
	await Promise.all(
		accounts.map(async (view) => {
			const samples = await store.readUsageHistory(view.id, now - BURN_LOOKBACK_MS).catch(() => []);
			const rate = burnRate(samples, now);
			if (rate !== undefined) burn.set(view.id, rate);
		}),
	);
	return { burn, runway: poolRunway(quotasOf(accounts, settings, burn, now), now) };
}

/** What each serving account has of its weekly window (its hard cap as the limit). */
export function quotasOf(
	accounts: readonly AccountView[],
	settings: PoolSettings,
	burn: ReadonlyMap<string, number>,
	now: number,
): AccountQuota[] {
	return accounts.filter(counts).flatMap((view) => {
		const weekly = longestWindow(view.snapshot.usage);
		if (!weekly) return [];
		const reset = weekly.resetsAt !== undefined && weekly.resetsAt <= now;
		const cap = capFor(settings.caps, view.id, "weekly");
		const rate = burn.get(view.id);
		return [
			{
				id: view.id,
				label: view.label,
				weeklyUsed: reset ? 0 : weekly.usedPercent,
				...(weekly.resetsAt !== undefined && !reset ? { weeklyResetsAt: weekly.resetsAt } : {}),
				...(rate !== undefined ? { burn: rate } : {}),
				...(cap?.hard ? { limit: cap.percent } : {}),
			},
		];
	});
}

/**
 * "pool: 63% of weekly quota left, burning 4.2%/h: dry Thu 14:00"
 * "first weekly reset: work Fri 09:00, before the pool runs dry"
 */
export function runwayLines(runway: Runway | undefined, now: number): string[] {
	if (!runway) return [];
	const left = `pool: ${Math.round(runway.remainingPercent)}% of weekly quota left`;
	const burning =
		runway.burnPercentPerHour === undefined
			? "; burn rate not known yet"
			: runway.dryAt === undefined
				? ", not burning now"
				: `, burning ${burnText(runway.burnPercentPerHour)}: dry ${formatLocalTime(runway.dryAt, now)}`;
	const lines = [`${left}${burning}`];
	const first = runway.firstReset;
	if (first) {
		const order = runway.dryAt === undefined ? "" : first.beforeDry ? ", before it runs dry" : ", after it runs dry";
		lines.push(`first weekly reset: ${first.label} ${formatLocalTime(first.at, now)}${order}`);
	}
	return lines;
}
