/** The supervisor's view of one account, as the commands see it, for tests that render or judge views. */
import type { ActorSnapshot } from "../../src/protocol/messages.ts";
import type { AccountView } from "../../src/supervisor/supervisor.ts";

/** An account whose actor is ready, active and idle, never restarted; `snapshot` and `extra` override. */
export function accountView(
	id: string,
	label: string,
	snapshot: Partial<ActorSnapshot> & Pick<ActorSnapshot, "startedAt">,
	extra: Partial<AccountView> = {},
): AccountView {
	return {
		id,
		label,
		snapshot: {
			accountId: id,
			label,
			state: "ready",
			inFlight: 0,
			activation: "active",
			restarts: 0,
			...snapshot,
		},
		...extra,
	};
}
