/**
 * What the bench asks of the fake backend: N accounts, the first of which runs dry by itself after
 * a set share of all streams, and a short streamed answer. Imported by the children too, so it
 * imports nothing heavy.
 */
import type { FakeAccountInit, ResponsePlan } from "../../test/fake-codex/types.ts";

/** The model pi-dispatch's tests and benches use: pi's default Codex model. */
export { CODEX_MODEL_ID as MODEL_ID } from "../../test/helpers/pi-under-test.ts";

/** Answer pacing: a little latency so streams overlap as real ones do, without slowing the run. */
export const RESPONSE_PLAN: ResponsePlan = { firstByteDelayMs: 10, interTokenDelayMs: 2 };

export const DAY_S = 86_400;

/**
 * The first account starts untouched with the soonest weekly reset, so the selection policy sends
 * it everything until it runs dry: `percentPerRequest` takes it to 100% after `exhaustAfter`
 * completed responses, and the fake then answers 429 usage_limit_reached by itself. The others
 * carry some weekly usage (so none is "untouched") and reset later; none of them runs dry.
 */
export function accountInits(count: number, exhaustAfter: number): FakeAccountInit[] {
	return Array.from({ length: count }, (_, i): FakeAccountInit => {
		const accountId = `acct-${i + 1}`;
		if (i === 0) {
			return {
				accountId,
				// A hair over 100/n so float sums reach 100 on the n-th response, not the (n+1)-th.
				percentPerRequest: (100 / exhaustAfter) * (1 + 1e-9),
				secondary: { usedPercent: 0, windowMinutes: 10_080, resetsInSeconds: 2 * DAY_S },
			};
		}
		return {
			accountId,
			secondary: { usedPercent: 10 * i, windowMinutes: 10_080, resetsInSeconds: (2 + i) * DAY_S },
		};
	});
}

/** A fake account the store never hears of: each child warms its HTTP client on it. */
export const WARMUP_ACCOUNT = "acct-warmup";
