/** The one-line texts a pi user reads when no account can serve. */

/** Local wall-clock time like "18:40" (or "Tue 18:40" beyond a day). */
export function formatLocalTime(epochMs: number, now: number = Date.now()): string {
	const date = new Date(epochMs);
	const hhmm = `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
	if (date.toDateString() === new Date(now).toDateString()) return hhmm;
	// A weekday names one day only within the next six (a weekly reset is at most seven days off).
	if (Math.abs(epochMs - now) < 6 * 24 * 60 * 60_000) {
		return `${date.toLocaleDateString("en-US", { weekday: "short" })} ${hhmm}`;
	}
	return `${date.toLocaleDateString("en-US", { month: "short", day: "numeric" })} ${hhmm}`;
}

/**
 * Contains "quota exceeded", which pi's auto-retry treats as a non-retryable account limit, and no
 * bare status numbers, so pi does not sleep and resend a request no account can serve.
 */
export function allExhaustedMessage(lines: readonly string[], earliestReset: number | undefined, now: number): string {
	const when = earliestReset !== undefined ? ` Earliest reset ${formatLocalTime(earliestReset, now)}.` : "";
	return `pi-dispatch: Codex quota exceeded on every account (${lines.join("; ")}).${when} See /dispatch-status.`;
}

/** No account could serve, and none for want of quota (needs login, down, failing): no "quota" here. */
export function noAccountServedMessage(lines: readonly string[], lastError: string | undefined): string {
	const last = lastError ? ` Last error: ${lastError}` : "";
	return `pi-dispatch: no Codex account could serve this request (${lines.join("; ")}).${last} See /dispatch-status.`;
}

export function failoverNotice(
	fromLabel: string,
	reason: string,
	until: number | undefined,
	toLabel: string | undefined,
	now: number = Date.now(),
): string {
	const untilText = until !== undefined ? ` until ${formatLocalTime(until, now)}` : "";
	return `${fromLabel} ${reason}${untilText} → ${toLabel ?? "no account left"}`;
}
