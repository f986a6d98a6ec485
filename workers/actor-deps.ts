/** Wires the actor's needs to the real world: the token endpoint, the usage endpoint, the store. */

import { refreshWithRetry } from "../src/auth/token-client.ts";
import { TransientUpstreamError } from "../src/errors.ts";
import type { ActorToSupervisorBody, SupervisorToActor } from "../src/protocol/messages.ts";
import { AccountStore } from "../src/store/account-store.ts";
import { refreshSingleFlight } from "../src/store/single-flight-refresh.ts";
import { mergeSharedState } from "../src/usage/shared-state-merge.ts";
import { usageFromWhamResponse } from "../src/usage/usage-response.ts";
import type { ActorDeps } from "./actor-core.ts";

type StartMessage = Extract<SupervisorToActor, { type: "start" }>;

export function createActorDeps(start: StartMessage, send: (message: ActorToSupervisorBody) => void): ActorDeps {
	const { config } = start;
	const accountId = start.account.id;
	const store = new AccountStore({ home: config.home });
	return {
		send,
		now: Date.now,
		async refresh(known) {
			const { credentials } = await refreshSingleFlight(store, accountId, known.access, (current) =>
				refreshWithRetry(config.auth, current.credentials.refresh, {
					retries: config.refreshRetries,
					minTimeout: config.retryMinTimeoutMs,
				}),
			);
			return credentials;
		},
		async fetchUsage(credentials) {
			const response = await fetch(`${config.codexBaseUrl.replace(/\/+$/, "")}/wham/usage`, {
				headers: { authorization: `Bearer ${credentials.access}`, "chatgpt-account-id": accountId },
				signal: AbortSignal.timeout(15_000),
			}).catch((error: unknown) => {
				throw new TransientUpstreamError("usage endpoint unreachable", undefined, { cause: error });
			});
			if (!response.ok)
				throw new TransientUpstreamError(`usage endpoint answered ${response.status}`, response.status);
			return usageFromWhamResponse(await response.json(), Date.now());
		},
		async persistShared(patch) {
			await store.update((data) => {
				data.state[accountId] = mergeSharedState(data.state[accountId], patch, Date.now());
			});
		},
		async persistNeedsLogin(reason) {
			await store.update((data) => {
				const record = data.accounts.find((a) => a.id === accountId);
				if (record) record.needsLogin = { since: Date.now(), reason };
			});
		},
	};
}
