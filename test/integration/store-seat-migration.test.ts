import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUTH_CLAIM } from "../../src/auth/jwt.ts";
import type { AccountRecord, SharedAccountState } from "../../src/store/account-record.ts";
import { AccountStore } from "../../src/store/account-store.ts";
import { DB_SCHEMA } from "../../src/store/pool-db.ts";
import { sqlite } from "../../src/store/sqlite.ts";
import { makeFakeJwt } from "../fake-codex/jwt.ts";
import { peekDb } from "../fixtures/store/db-peek.ts";
import { tempHome } from "../fixtures/store/sample-data.ts";

// Issue 12 §6: seats are told apart by the user within the workspace. A pool database written
// before (schema 2) has records without `seat`, possibly two of one seat; opening it migrates it
// once, and nothing is lost.

/** Schema 2's tables, as pi-dispatch wrote them before seats (src/store/pool-db.ts at schema 2). */
const SCHEMA_2 = `
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE accounts(id TEXT PRIMARY KEY, pos INTEGER NOT NULL, record TEXT NOT NULL) STRICT;
CREATE TABLE state(id TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE leases(
	name TEXT PRIMARY KEY, host TEXT NOT NULL, boot_id TEXT NOT NULL, pid INTEGER NOT NULL,
	start_time TEXT NOT NULL, thread_id INTEGER NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL
) STRICT;
INSERT INTO meta(key, value) VALUES ('schema', '2');`;

const token = (workspace: string, user?: string) =>
	makeFakeJwt({
		[AUTH_CLAIM]: { chatgpt_account_id: workspace, ...(user ? { chatgpt_account_user_id: user } : {}) },
	});

function record(id: string, label: string, access: string, expiresAt: number, extra: Partial<AccountRecord> = {}) {
	return {
		id,
		label,
		credentials: { access, refresh: `refresh-${label}`, expiresAt },
		addedAt: 1_600_000_000_000,
		updatedAt: 1_600_000_000_000,
		...extra,
	} satisfies AccountRecord;
}

async function oldDatabase(home: string, accounts: AccountRecord[], state: Record<string, SharedAccountState>) {
	await mkdir(home, { recursive: true, mode: 0o700 });
	const db = new (sqlite().DatabaseSync)(join(home, "pool.db"));
	db.exec("PRAGMA journal_mode = WAL");
	db.exec(SCHEMA_2);
	for (const [pos, a] of accounts.entries()) {
		db.prepare("INSERT INTO accounts(id, pos, record) VALUES (?, ?, ?)").run(a.id, pos, JSON.stringify(a));
	}
	for (const [id, value] of Object.entries(state)) {
		db.prepare("INSERT INTO state(id, value) VALUES (?, ?)").run(id, JSON.stringify(value));
	}
	db.close();
}

describe("seat migration at open (once per pool)", () => {
	it("names every record's seat, folds two records of one seat into one, keeps what cannot be told apart", async () => {
		const home = await tempHome();
		const far = Date.now() + 86_400_000;
		// Seat 1 of a Team workspace twice (an older and a newer login), seat 2 once, and two records
		// whose opaque tokens name no seat.
		const seat1Old = record("ws-team", "team-old", token("ws-team", "user-1__ws-team"), 1_700_000_000_000);
		const seat1New = record("user-1__ws-team", "team-new", token("ws-team", "user-1__ws-team"), 1_800_000_000_000, {
			workspace: "ws-team",
			plan: "team",
		});
		const seat2 = record("user-2__ws-team", "team-2", token("ws-team", "user-2__ws-team"), 1_700_000_000_000, {
			workspace: "ws-team",
		});
		const opaqueA = record("acct-x", "opaque-a", "opaque-token-a", 1_700_000_000_000);
		const opaqueB = record("user-9", "opaque-b", "opaque-token-b", 1_700_000_000_000, { workspace: "acct-x" });
		await oldDatabase(home, [seat1Old, seat2, seat1New, opaqueA, opaqueB], {
			"user-1__ws-team": { cooldownUntil: far, cooldownReason: "usage_limit_reached" },
			"user-2__ws-team": { cooldownUntil: far - 1000, cooldownReason: "usage_limit_reached" },
		});

		const store = new AccountStore({ home });
		const data = await store.read();
		store.close();

		expect(
			data.accounts.map((a) => ({ id: a.id, label: a.label, seat: a.seat, refresh: a.credentials.refresh })),
		).toEqual([
			// The first record's id and label, the newer login's tokens.
			{ id: "ws-team", label: "team-old", seat: "user-1__ws-team", refresh: "refresh-team-new" },
			{ id: "user-2__ws-team", label: "team-2", seat: "user-2__ws-team", refresh: "refresh-team-2" },
			{ id: "acct-x", label: "opaque-a", seat: undefined, refresh: "refresh-opaque-a" },
			{ id: "user-9", label: "opaque-b", seat: undefined, refresh: "refresh-opaque-b" },
		]);
		expect(data.accounts[0]!.plan).toBe("team");
		// What the pool knew about the merged record now belongs to its seat's record.
		expect(data.state).toEqual({
			"ws-team": { cooldownUntil: far, cooldownReason: "usage_limit_reached" },
			"user-2__ws-team": { cooldownUntil: far - 1000, cooldownReason: "usage_limit_reached" },
		});
		const onDisk = peekDb(join(home, "pool.db"));
		expect(onDisk.meta).toMatchObject({ schema: String(DB_SCHEMA), seats: "1" });

		// The record merged away is kept, whole, beside the database (it holds tokens: 0600).
		const copies = (await readdir(home)).filter((name) => name.startsWith("pool.db.seat-duplicates-"));
		expect(copies).toHaveLength(1);
		const copy = join(home, copies[0]!);
		expect(JSON.parse(await readFile(copy, "utf8"))).toEqual([seat1Old]);
		expect((await stat(copy)).mode & 0o777).toBe(0o600);

		// Once: a second open changes nothing and keeps no second copy.
		const again = new AccountStore({ home });
		expect((await again.read()).accounts).toEqual(data.accounts);
		again.close();
		expect((await readdir(home)).filter((name) => name.startsWith("pool.db.seat-duplicates-"))).toHaveLength(1);
	});
});
