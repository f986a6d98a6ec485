/**
 * Copies one pool into another (a machine's file pool into a shared Redis, or back), one record
 * per account: an account the target lacks is added with its shared state; one both hold keeps
 * the copy whose credentials changed last (the live refresh token; the other is spent or soon
 * will be); settings are copied only where the target has none.
 */
import type { AccountRecord } from "./account-record.ts";
import type { PoolStore } from "./pool-store.ts";

export interface CopyOutcome {
	added: string[];
	/** Both held it; the source's credentials were newer and replaced the target's. */
	updated: string[];
	/** Both held it; the target's were as new or newer. */
	kept: string[];
}

export async function copyPool(from: PoolStore, to: PoolStore): Promise<CopyOutcome> {
	const source = await from.read();
	return to.update((data) => {
		const outcome: CopyOutcome = { added: [], updated: [], kept: [] };
		for (const record of source.accounts) {
			const index = data.accounts.findIndex((a) => a.id === record.id);
			const existing = data.accounts[index];
			if (!existing) {
				data.accounts.push(structuredClone(record));
				const state = source.state[record.id];
				if (state) data.state[record.id] = structuredClone(state);
				outcome.added.push(record.id);
			} else if (newer(record, existing)) {
				data.accounts[index] = { ...structuredClone(record), label: existing.label };
				outcome.updated.push(record.id);
			} else {
				outcome.kept.push(record.id);
			}
		}
		if (source.settings && !data.settings) data.settings = structuredClone(source.settings);
		return outcome;
	});
}

function newer(candidate: AccountRecord, current: AccountRecord): boolean {
	if (candidate.credentials.refresh === current.credentials.refresh) return false;
	return candidate.updatedAt > current.updatedAt;
}
