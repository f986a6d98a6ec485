/**
 * Lease rows: a per-name lock held across a network call (an account's refresh), by one thread
 * of one process at a time. The row names its owner (process-identity.ts), so a dead holder on
 * this host is taken over at the next look, not after an expiry; the expiry (renewed by the
 * holder) only decides for holders on another host. Every function runs inside the caller's
 * write transaction, except where noted.
 */
import { threadId } from "node:worker_threads";
import { type LeaseOwner, ownerIsDead, thisProcess } from "./process-identity.ts";
import { type Database, statement } from "./sqlite.ts";

interface LeaseRow {
	host: string;
	boot_id: string;
	pid: number;
	start_time: string;
	thread_id: number;
	nonce: string;
	expires_at: number;
}

export interface LeaseHolder {
	pid: number;
	host: string;
	threadId: number;
	expiresAt: number;
}

function ownerOf(row: LeaseRow): Omit<LeaseOwner, "nonce"> {
	return {
		host: row.host,
		bootId: row.boot_id,
		pid: row.pid,
		startTime: row.start_time,
		threadId: row.thread_id,
	};
}

/** Nonces of the leases this thread holds right now (a row of this thread not in here is left over). */
const heldHere = new Set<string>();

export function markHeld(owner: LeaseOwner, held: boolean): void {
	if (held) heldHere.add(owner.nonce);
	else heldHere.delete(owner.nonce);
}

function leftOverHere(row: LeaseRow): boolean {
	const me = thisProcess();
	return (
		row.pid === me.pid &&
		row.start_time === me.startTime &&
		row.host === me.host &&
		row.thread_id === threadId &&
		!heldHere.has(row.nonce)
	);
}

/**
 * Takes the lease when it is free, expired, held by a dead process, or left over by this very
 * thread (a release the database refused); otherwise returns its holder.
 */
export function tryTakeLease(
	db: Database,
	name: string,
	owner: LeaseOwner,
	ttlMs: number,
	now: number,
): { taken: true } | { taken: false; holder: LeaseHolder } {
	const row = statement(db, "SELECT * FROM leases WHERE name = ?").get(name) as unknown as LeaseRow | undefined;
	if (row && row.expires_at > now && !ownerIsDead(ownerOf(row)) && !leftOverHere(row)) {
		return {
			taken: false,
			holder: { pid: row.pid, host: row.host, threadId: row.thread_id, expiresAt: row.expires_at },
		};
	}
	statement(
		db,
		`INSERT OR REPLACE INTO leases(name, host, boot_id, pid, start_time, thread_id, nonce, expires_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	).run(name, owner.host, owner.bootId, owner.pid, owner.startTime, owner.threadId, owner.nonce, now + ttlMs);
	return { taken: true };
}

/** Pushes the expiry out; false when the lease is no longer this owner's. */
export function renewLease(db: Database, name: string, owner: LeaseOwner, ttlMs: number, now: number): boolean {
	const result = statement(db, "UPDATE leases SET expires_at = ? WHERE name = ? AND nonce = ? AND pid = ?").run(
		now + ttlMs,
		name,
		owner.nonce,
		owner.pid,
	);
	return Number(result.changes) > 0;
}

export function releaseLease(db: Database, name: string, owner: LeaseOwner): void {
	statement(db, "DELETE FROM leases WHERE name = ? AND nonce = ? AND pid = ?").run(name, owner.nonce, owner.pid);
}

/** Deletes every lease held by `threadId` of this process (a terminated worker's); returns how many. */
export function releaseThreadLeases(db: Database, threadId: number): number {
	const me = thisProcess();
	const result = statement(
		db,
		"DELETE FROM leases WHERE host = ? AND pid = ? AND start_time = ? AND thread_id = ?",
	).run(me.host, me.pid, me.startTime, threadId);
	return Number(result.changes);
}

/** Every lease row, for tests and status (no transaction needed). */
export function listLeases(db: Database): ({ name: string } & LeaseHolder)[] {
	const rows = statement(db, "SELECT * FROM leases ORDER BY name").all() as unknown as (LeaseRow & { name: string })[];
	return rows.map((row) => ({
		name: row.name,
		pid: row.pid,
		host: row.host,
		threadId: row.thread_id,
		expiresAt: row.expires_at,
	}));
}

/** Deletes every lease of this process (any thread): the last thing a process does on its way out. */
export function releaseProcessLeases(db: Database): number {
	const me = thisProcess();
	const result = statement(db, "DELETE FROM leases WHERE host = ? AND pid = ? AND start_time = ?").run(
		me.host,
		me.pid,
		me.startTime,
	);
	return Number(result.changes);
}

/** Deletes the rows of holders that are certainly dead (this host, pid gone or reused); returns how many. */
export function sweepDeadLeases(db: Database): number {
	const rows = statement(db, "SELECT * FROM leases").all() as unknown as (LeaseRow & { name: string })[];
	const dead = rows.filter((row) => ownerIsDead(ownerOf(row)));
	const remove = statement(db, "DELETE FROM leases WHERE name = ? AND nonce = ?");
	for (const row of dead) remove.run(row.name, row.nonce);
	return dead.length;
}
