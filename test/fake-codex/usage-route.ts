import { type Account, currentUsage, fullWindow, liveWindows, paysWithCredits } from "./accounts.ts";
import { header } from "./http-util.ts";
import { authFailureReply, begin, type RouteContext, replyJson } from "./route-context.ts";
import type { WindowState } from "./types.ts";

// GET /backend-api/wham/usage, shaped like RateLimitStatusPayload in
// openai/codex codex-rs/codex-backend-openapi-models (plan_type, rate_limit
// {allowed, limit_reached, primary_window, secondary_window} which may be null,
// credits {has_credits, unlimited, balance}) and the live additions
// (additional_rate_limits[{limit_name, metered_feature, rate_limit}],
// rate_limit_reached_type, spend_control), plus the identity fields live
// responses carry. See README "Usage, credits and limits" for the sources.

function windowSnapshot(window: WindowState | undefined, nowMs: number): Record<string, number> | null {
	if (!window) return null;
	const resetAt = Math.ceil(window.resetsAt / 1000);
	return {
		// i32 in the real schema; floor so a nearly-full window never reads as exhausted.
		used_percent: window.usedPercent >= 100 ? 100 : Math.floor(window.usedPercent),
		limit_window_seconds: window.windowMinutes * 60,
		reset_after_seconds: Math.max(0, Math.ceil((window.resetsAt - nowMs) / 1000)),
		reset_at: resetAt,
	};
}

function rateLimit(account: Account, windows: WindowState[], nowMs: number): Record<string, unknown> {
	const reached = fullWindow(windows) !== undefined;
	return {
		// With credits a full window still serves: allowed stays true (openai/codex#19242).
		allowed: !account.spendControlReached && (!reached || paysWithCredits(account)),
		limit_reached: reached,
		primary_window: windowSnapshot(windows[0], nowMs),
		secondary_window: windowSnapshot(windows[1], nowMs),
	};
}

export async function handleUsage(ctx: RouteContext): Promise<void> {
	const { state, req } = ctx;
	const entry = begin(ctx, { route: "usage" });
	const auth = state.tokens.authenticate(header(req, "authorization"), header(req, "chatgpt-account-id"));
	state.patch(entry, { accountId: auth.accountId });
	if (!auth.ok) return replyJson(ctx, entry, authFailureReply(auth.reason));

	const account = state.account(auth.accountId);
	const now = Date.now();
	const usage = currentUsage(account, now);
	const main = rateLimit(account, liveWindows(account, usage), now);
	const refused = main.allowed === false;
	const credits = account.credits;
	replyJson(ctx, entry, {
		status: 200,
		body: {
			user_id: account.userId,
			account_id: account.accountId,
			email: account.email,
			plan_type: account.plan,
			rate_limit: account.rateLimitNull ? null : main,
			code_review_rate_limit: null,
			additional_rate_limits:
				account.limits.length === 0
					? null
					: account.limits.map((l) => ({
							limit_name: l.name ?? l.id,
							metered_feature: l.id,
							rate_limit: rateLimit(account, [l.window], now),
						})),
			credits: {
				has_credits: credits?.hasCredits ?? false,
				unlimited: credits?.unlimited ?? false,
				balance: credits?.balance ?? "",
			},
			spend_control: { reached: account.spendControlReached },
			rate_limit_reached_type: refused ? { type: "rate_limit_reached" } : null,
		},
	});
}
