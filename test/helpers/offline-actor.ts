/** An actor handle for tests that need no network: Codex and the token endpoint are unreachable. */
import type { AccountRecord } from "../../src/store/account-record.ts";
import { ActorHandle } from "../../src/supervisor/actor-handle.ts";
import { ACTIVATION_DEFAULTS, ACTOR_DEFAULTS, RESTART_DEFAULTS } from "../../src/supervisor/supervisor-options.ts";

/** An account whose access token is valid for an hour (never sent anywhere). */
export function offlineAccount(id: string, label: string): AccountRecord {
	return {
		id,
		label,
		credentials: { access: "not-a-real-token", refresh: "r", expiresAt: Date.now() + 3_600_000 },
		addedAt: 0,
		updatedAt: 0,
	};
}

export function offlineActor(account: AccountRecord, home: string, workerUrl: URL): ActorHandle {
	return new ActorHandle({
		account,
		shared: {},
		config: {
			...ACTOR_DEFAULTS,
			// Unreachable: nothing here needs the network.
			codexBaseUrl: "http://127.0.0.1:9",
			auth: {
				tokenUrl: "http://127.0.0.1:9/oauth/token",
				authorizeUrl: "",
				clientId: "",
				redirectUri: "",
				scope: "",
			},
			home,
		},
		restart: RESTART_DEFAULTS,
		idleMs: ACTIVATION_DEFAULTS.idleMs,
		workerUrl,
	});
}
