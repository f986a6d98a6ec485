/**
 * Who holds a lease, precisely enough to tell a dead holder from a live one without waiting for an
 * expiry: host, boot id, pid and the process's start time (so a reused pid is not mistaken for the
 * holder), the thread, and a random nonce per lease.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { threadId } from "node:worker_threads";

export interface LeaseOwner {
	host: string;
	/** `/proc/sys/kernel/random/boot_id`; "" where there is none (not Linux). */
	bootId: string;
	pid: number;
	/** Field 22 of `/proc/<pid>/stat` (clock ticks since boot); "" where there is none. */
	startTime: string;
	threadId: number;
	nonce: string;
}

function readOrEmpty(path: string): string {
	try {
		return readFileSync(path, "utf8").trim();
	} catch {
		return "";
	}
}

/** Start time of `pid` (field 22 of /proc/<pid>/stat), "" when unknown, undefined when no such process. */
export function processStartTime(pid: number): string | undefined {
	let stat: string;
	try {
		stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return code === "ENOENT" || code === "ESRCH" ? undefined : "";
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from the last ")".
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	// A zombie (killed, not yet reaped by its parent) holds nothing any more.
	if (fields[0] === "Z" || fields[0] === "X") return undefined;
	return fields[19] ?? "";
}

const self = {
	host: hostname(),
	bootId: readOrEmpty("/proc/sys/kernel/random/boot_id"),
	pid: process.pid,
	startTime: processStartTime(process.pid) ?? "",
};

/** A fresh owner for one lease taken by this thread. */
export function newOwner(): LeaseOwner {
	return { ...self, threadId, nonce: randomBytes(8).toString("hex") };
}

/** This process, as recorded in owners (for releasing a dead thread's leases). */
export function thisProcess(): Omit<LeaseOwner, "threadId" | "nonce"> {
	return self;
}

/**
 * True only when the owner is certainly gone: on this host (same host name and boot), its pid
 * does not exist or now belongs to a process started at another time. Holders on another host
 * (or an unknown boot) are never declared dead here; their lease expires instead. A thread of
 * this very process is alive as far as this check goes (the main thread releases a terminated
 * thread's leases itself).
 */
export function ownerIsDead(owner: Omit<LeaseOwner, "nonce">): boolean {
	if (owner.host !== self.host || owner.bootId === "" || owner.bootId !== self.bootId) return false;
	if (owner.pid === self.pid) return owner.startTime !== self.startTime;
	try {
		process.kill(owner.pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
	}
	const start = processStartTime(owner.pid);
	if (start === undefined) return true;
	return start !== "" && owner.startTime !== "" && start !== owner.startTime;
}
