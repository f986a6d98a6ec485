/** Wires the actor's needs to the real world: the token endpoint, the usage endpoint, the store. */

import pRetry from "p-retry";
import { refreshWithRetry } from "../src/auth/token-client.ts";
import { TransientUpstreamError } from "../src/errors.ts";
import type { ActorToSupervisorBody, SupervisorToActor } from "../src/protocol/messages.ts";
import type { SharedAccountState } from "../src/store/account-record.ts";
import { AccountStore } from "../src/store/account-store.ts";
import { refreshSingleFlight } from "../src/store/single-flight-refresh.ts";
import { StoreLockTimeoutError } from "../src/store/store-errors.ts";
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
			// Many processes meet the same 429: a lock-free read first skips writes the store already
			// covers, so the data lock is left to the writes that change something.
			const stored = (await store.read()).state[accountId];
			if (sameState(stored, mergeSharedState(stored, patch, Date.now()))) return;
			// A cooldown must reach the other processes: retry a write that lost the lock race.
			await pRetry(
				() =>
					store.update((data) => {
						data.state[accountId] = mergeSharedState(data.state[accountId], patch, Date.now());
					}),
				{
					retries: patch.cooldownUntil !== undefined ? 3 : 0,
					minTimeout: 100,
					shouldRetry: ({ error }) => error instanceof StoreLockTimeoutError,
				},
			);
		},
		async persistNeedsLogin(reason) {
			await store.update((data) => {
				const record = data.accounts.find((a) => a.id === accountId);
				if (record) record.needsLogin = { since: Date.now(), reason };
			});
		},
	};
}

function sameState(a: SharedAccountState | undefined, b: SharedAccountState): boolean {
	return JSON.stringify(a ?? {}) === JSON.stringify(b);
}
