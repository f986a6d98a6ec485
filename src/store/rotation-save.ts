/**
 * Saving rotated tokens, shared by both pool stores: a compare-and-set on the refresh token they
 * replace, retried while the store refuses the write, then a side file (see pending-save.ts) so
 * the only live tokens are never lost. Each store says how it writes, which errors are worth a
 * retry and how a refusal reads.
 */
import type { AccountCredentials, StoreData } from "./account-record.ts";
import { writePending } from "./pending-save.ts";
import type { RotationOutcome } from "./pool-store.ts";

type RotationCas = { saved: true } | { saved: false; conflict: true; current?: AccountCredentials };

export interface RotationSaveWay {
	/** The state folder that takes the side file. */
	home: string;
	/** Runs `apply` inside one store write and returns its result. */
	write: (apply: (data: StoreData) => RotationCas) => Promise<RotationCas>;
	/** Whether this failure may pass on a later attempt. */
	retryable: (error: unknown) => boolean;
	/** The reason a refused save reports (never a token). */
	reason: (error: unknown) => string;
	/** The reason when the side file is refused too. */
	sideFileRefused: (reason: string, error: unknown) => string;
}

/** Takes fresh credentials into a record (a login or a merged side file): it needs no login now. */
export function adoptCredentials(
	record: { credentials: AccountCredentials; updatedAt: number; needsLogin?: unknown },
	credentials: AccountCredentials,
): void {
	record.credentials = credentials;
	record.updatedAt = Date.now();
	delete record.needsLogin;
}

export async function saveRotationOrSideFile(
	way: RotationSaveWay,
	accountId: string,
	replaces: string,
	credentials: AccountCredentials,
	retries: number,
): Promise<RotationOutcome> {
	let last: unknown;
	for (let attempt = 0; attempt <= retries; attempt++) {
		try {
			return await way.write((data) => {
				const record = data.accounts.find((a) => a.id === accountId);
				if (!record) return { saved: false, conflict: true };
				if (record.credentials.refresh !== replaces) {
					if (record.credentials.refresh === credentials.refresh) return { saved: true };
					return { saved: false, conflict: true, current: record.credentials };
				}
				adoptCredentials(record, { ...credentials });
				return { saved: true };
			});
		} catch (error) {
			last = error;
			if (!way.retryable(error)) break;
			await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
		}
	}
	const reason = way.reason(last);
	try {
		const sideFile = writePending(way.home, { accountId, replaces, credentials, savedAt: Date.now() });
		return { saved: false, reason, sideFile };
	} catch (error) {
		return { saved: false, reason: way.sideFileRefused(reason, error) };
	}
}
