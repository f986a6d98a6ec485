/** Wires the actor's needs to the real world: the token endpoint, the usage endpoint, the store. */

import { assertTokensBelongTo, refreshWithRetry } from "../src/auth/token-client.ts";
import { TransientUpstreamError } from "../src/errors.ts";
import type { ActorToSupervisorBody, SupervisorToActor } from "../src/protocol/messages.ts";
import { type AccountCredentials, recordWorkspace, type SharedAccountState } from "../src/store/account-record.ts";
import { openPoolStore } from "../src/store/open-pool-store.ts";
import { removePending } from "../src/store/pending-save.ts";
import { refreshSingleFlight } from "../src/store/single-flight-refresh.ts";
import { within } from "../src/supervisor/within.ts";
import { mergeSharedState } from "../src/usage/shared-state-merge.ts";
import { usageFromWhamResponse } from "../src/usage/usage-response.ts";
import type { ActorDeps } from "./actor-core.ts";

type StartMessage = Extract<SupervisorToActor, { type: "start" }>;

/** How long `close` waits for store writes still in flight (what a `pi -p` learnt reaches disk). */
const FLUSH_MS = 200;
const SAVE_RETRY_MS = [500, 1000, 2000, 5000];

/** Rotated tokens that are live but not in the database (it refused the write). */
interface Unsaved {
	/** The refresh token the database still holds (spent). */
	replaces: string;
	credentials: AccountCredentials;
	reason: string;
	sideFile?: string;
}

export function createActorDeps(start: StartMessage, send: (message: ActorToSupervisorBody) => void): ActorDeps {
	const { config } = start;
	const accountId = start.account.id;
	// The workspace is what `chatgpt-account-id` names; the seat tells two logins of it apart.
	const workspace = recordWorkspace(start.account);
	const expected = { workspace, ...(start.account.seat ? { seat: start.account.seat } : {}) };
	const store = openPoolStore(config.store ?? { kind: "file", home: config.home });
	const inFlight = new Set<Promise<unknown>>();
	let unsaved: Unsaved | undefined;
	let saveTimer: NodeJS.Timeout | undefined;
	let saveAttempt = 0;
	let onSaveChange: (() => void) | undefined;
	let closed = false;

	const track = <T>(work: Promise<T>): Promise<T> => {
		inFlight.add(work);
		void work.then(
			() => inFlight.delete(work),
			() => inFlight.delete(work),
		);
		return work;
	};

	const callTokenEndpoint = async (refreshToken: string) => {
		const fresh = await refreshWithRetry(config.auth, refreshToken, {
			retries: config.refreshRetries,
			minTimeout: config.retryMinTimeoutMs,
		});
		assertTokensBelongTo(expected, fresh);
		return fresh;
	};

	const setUnsaved = (next: Unsaved | undefined) => {
		if (!next && unsaved?.sideFile) removePending(unsaved.sideFile);
		unsaved = next;
		clearTimeout(saveTimer);
		saveTimer = undefined;
		if (next && !closed) {
			const delay = SAVE_RETRY_MS[Math.min(saveAttempt++, SAVE_RETRY_MS.length - 1)]!;
			saveTimer = setTimeout(() => void track(retrySave()), delay);
		} else {
			saveAttempt = 0;
		}
		onSaveChange?.();
	};

	/** Tries the database again with the tokens kept in memory. */
	const retrySave = async () => {
		const pending = unsaved;
		if (!pending) return;
		const save = await store.saveRotation(accountId, pending.replaces, pending.credentials, 0);
		if (unsaved !== pending) return;
		if (save.saved || "conflict" in save) setUnsaved(undefined);
		else setUnsaved({ ...pending, reason: save.reason, ...(save.sideFile ? { sideFile: save.sideFile } : {}) });
	};

	return {
		send,
		now: Date.now,
		async refresh(known) {
			if (unsaved) await track(retrySave());
			const pending = unsaved;
			if (pending) {
				// The database still holds a spent refresh token: rotate from the one kept in memory.
				return track(
					store.withAccountLock(accountId, async () => {
						const fresh = await callTokenEndpoint(pending.credentials.refresh);
						const save = await store.saveRotation(accountId, pending.replaces, fresh);
						if (save.saved || "conflict" in save) setUnsaved(undefined);
						else setUnsaved({ replaces: pending.replaces, credentials: fresh, reason: save.reason });
						return fresh;
					}),
				);
			}
			const outcome = await track(
				refreshSingleFlight(store, accountId, known.access, (current) =>
					callTokenEndpoint(current.credentials.refresh),
				),
			);
			if (outcome.notSaved) {
				setUnsaved({
					replaces: known.refresh,
					credentials: outcome.credentials,
					reason: outcome.notSaved,
					...(outcome.sideFile ? { sideFile: outcome.sideFile } : {}),
				});
			}
			return outcome.credentials;
		},
		async fetchUsage(credentials) {
			const response = await fetch(`${config.codexBaseUrl.replace(/\/+$/, "")}/wham/usage`, {
				headers: { authorization: `Bearer ${credentials.access}`, "chatgpt-account-id": workspace },
				signal: AbortSignal.timeout(15_000),
			}).catch((error: unknown) => {
				throw new TransientUpstreamError("usage endpoint unreachable", undefined, { cause: error });
			});
			if (!response.ok)
				throw new TransientUpstreamError(`usage endpoint answered ${response.status}`, response.status);
			return usageFromWhamResponse(await response.json(), Date.now());
		},
		persistShared(patch) {
			// Many processes meet the same 429: one short transaction that writes only what changes.
			return track(
				store.update((data) => {
					const next = mergeSharedState(data.state[accountId], patch, Date.now());
					if (!sameState(data.state[accountId], next)) data.state[accountId] = next;
				}),
			);
		},
		persistNeedsLogin(reason) {
			return track(
				store.update((data) => {
					const record = data.accounts.find((a) => a.id === accountId);
					if (record) record.needsLogin = { since: Date.now(), reason };
				}),
			);
		},
		loginNotSaved: () => unsaved?.reason,
		isSpent: (credentials) => unsaved !== undefined && credentials.refresh === unsaved.replaces,
		onLoginSaveChange(listener) {
			onSaveChange = listener;
		},
		async close() {
			closed = true;
			clearTimeout(saveTimer);
			if (unsaved) await track(retrySave()).catch(() => undefined);
			await within(Promise.allSettled([...inFlight]), FLUSH_MS);
			store.close();
		},
	};
}

function sameState(a: SharedAccountState | undefined, b: SharedAccountState): boolean {
	return JSON.stringify(a ?? {}) === JSON.stringify(b);
}
