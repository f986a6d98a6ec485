import type { AccountRecord, StoreData } from "./account-record.ts";
import { isObject, storeDataProblem } from "./store-shape.ts";

/** The schema this version writes. Bump it with a step in `migrate` whenever the shape changes. */
export const CURRENT_SCHEMA = 1;

/**
 * What the parsed file turned out to be. Pure: no file access, so the caller decides about
 * backups and error wording.
 * - schema 0: a legacy bare array `[{ label, accountId, access, refresh, expires, email? }]`.
 * - schema 1: `{ schema: 1, accounts: AccountRecord[], state: { [accountId]: SharedAccountState } }`.
 */
export type MigrateResult =
	| { ok: true; data: StoreData; fromSchema: number }
	| { ok: false; kind: "corrupt"; reason: string }
	| { ok: false; kind: "future"; schema: number };

export function migrate(raw: unknown, now: number): MigrateResult {
	if (Array.isArray(raw)) return fromSchema0(raw, now);
	if (!isObject(raw)) return { ok: false, kind: "corrupt", reason: "top level must be an object" };
	const schema = raw.schema;
	if (typeof schema !== "number" || !Number.isInteger(schema) || schema < 1) {
		return { ok: false, kind: "corrupt", reason: "schema must be a positive integer" };
	}
	// Checked before the shape: a newer file may legitimately look different.
	if (schema > CURRENT_SCHEMA) return { ok: false, kind: "future", schema };
	const problem = storeDataProblem(raw);
	if (problem) return { ok: false, kind: "corrupt", reason: problem };
	return {
		ok: true,
		data: { accounts: raw.accounts as AccountRecord[], state: raw.state as StoreData["state"] },
		fromSchema: 1,
	};
}

function fromSchema0(items: unknown[], now: number): MigrateResult {
	const accounts: AccountRecord[] = [];
	for (const [i, item] of items.entries()) {
		const where = `[${i}]`;
		if (!isObject(item)) return { ok: false, kind: "corrupt", reason: `${where} must be an object` };
		for (const key of ["label", "accountId", "access", "refresh"]) {
			if (typeof item[key] !== "string") {
				return { ok: false, kind: "corrupt", reason: `${where}.${key} must be a string` };
			}
		}
		if (typeof item.expires !== "number" || !Number.isFinite(item.expires)) {
			return { ok: false, kind: "corrupt", reason: `${where}.expires must be a number` };
		}
		if (item.email !== undefined && typeof item.email !== "string") {
			return { ok: false, kind: "corrupt", reason: `${where}.email must be a string` };
		}
		const record: AccountRecord = {
			id: item.accountId as string,
			label: item.label as string,
			credentials: { access: item.access as string, refresh: item.refresh as string, expiresAt: item.expires },
			addedAt: now,
			updatedAt: now,
		};
		if (item.email !== undefined) record.email = item.email;
		accounts.push(record);
	}
	const data: StoreData = { accounts, state: {} };
	// Same checks as a schema-1 file (non-empty ids and labels, no duplicate ids).
	const problem = storeDataProblem(data as unknown as Record<string, unknown>);
	if (problem) return { ok: false, kind: "corrupt", reason: `legacy list: ${problem}` };
	return { ok: true, data, fromSchema: 0 };
}

/** The file text for `data` at the current schema: tab-indented so a person can fix it by hand. */
export function serialize(data: StoreData): string {
	return `${JSON.stringify({ schema: CURRENT_SCHEMA, accounts: data.accounts, state: data.state }, null, "\t")}\n`;
}
