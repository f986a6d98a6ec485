import { blockingWindow, currentUsage } from "./accounts.ts";
import { header } from "./http-util.ts";
import { authFailureReply, begin, type RouteContext, replyJson } from "./route-context.ts";
import type { WindowState } from "./types.ts";

// GET /backend-api/wham/usage, shaped like RateLimitStatusPayload in
// openai/codex codex-rs/codex-backend-openapi-models (plan_type, rate_limit
// {allowed, limit_reached, primary_window, secondary_window}, credits) and the
// backend-client additions (additional_rate_limits, rate_limit_reached_type),
// plus the identity fields live responses carry.

function windowSnapshot(window: WindowState, nowMs: number): Record<string, number> {
	const resetAt = Math.ceil(window.resetsAt / 1000);
	return {
		// i32 in the real schema; floor so a nearly-full window never reads as exhausted.
		used_percent: window.usedPercent >= 100 ? 100 : Math.floor(window.usedPercent),
		limit_window_seconds: window.windowMinutes * 60,
		reset_after_seconds: Math.max(0, Math.ceil((window.resetsAt - nowMs) / 1000)),
		reset_at: resetAt,
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
	const exhausted = blockingWindow(usage) !== undefined;
	replyJson(ctx, entry, {
		status: 200,
		body: {
			user_id: account.userId,
			account_id: account.accountId,
			email: account.email,
			plan_type: account.plan,
			rate_limit: {
				allowed: !exhausted,
				limit_reached: exhausted,
				primary_window: windowSnapshot(usage.primary, now),
				secondary_window: windowSnapshot(usage.secondary, now),
			},
			code_review_rate_limit: null,
			additional_rate_limits: null,
			credits: { has_credits: false, unlimited: false, balance: "0" },
			rate_limit_reached_type: exhausted ? { type: "rate_limit_reached" } : null,
		},
	});
}
