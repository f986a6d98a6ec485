import { readdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import { DB_SCHEMA } from "../../src/store/pool-db.ts";
import { peekDb } from "../fixtures/store/db-peek.ts";
import { account, tempHome } from "../fixtures/store/sample-data.ts";
import { type Child, spawnChild } from "../fixtures/store/spawn-child.ts";

const children: Child[] = [];
afterEach(() => {
	for (const child of children.splice(0)) if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
});

function start(script: string, args: string[], env?: Record<string, string>): Child {
	const child = spawnChild(script, args, { env });
	children.push(child);
	return child;
}

/** Start barrier: every child has loaded and said "ready" before any gets "go". */
async function startTogether(group: Child[]): Promise<void> {
	await Promise.all(group.map((child) => child.next("ready")));
	for (const child of group) child.go();
}

/**
 * A token endpoint that rotates refresh tokens and rejects reuse, like the real one. The delay
 * keeps a refresh in flight long enough for a second, uncoordinated one to collide with it.
 */
async function startTokenServer(initial: Record<string, string>) {
	const current = new Map(Object.entries(initial));
	const used = new Set<string>();
	const calls: Record<string, number> = {};
	let reuse = 0;
	const server: Server = createServer((req, res) => {
		let body = "";
		req.on("data", (chunk) => {
			body += chunk;
		});
		req.on("end", () => {
			const { account: id, refresh_token: token } = JSON.parse(body) as { account: string; refresh_token: string };
			calls[id] = (calls[id] ?? 0) + 1;
			const reply = (status: number, payload: unknown) => {
				res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
			};
			if (current.get(id) !== token) {
				if (used.has(token)) reuse++;
				return reply(400, { error: used.has(token) ? "refresh_token_reused" : "invalid_grant" });
			}
			used.add(token);
			const next = `refresh-${id}-r${calls[id]}`;
			current.set(id, next);
			setTimeout(
				() => reply(200, { access_token: `access-${id}-r${calls[id]}`, refresh_token: next, expires_in: 3600 }),
				150,
			);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/oauth/token`,
		calls,
		reuse: () => reuse,
		current,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

describe("AccountStore across real processes", () => {
	it("8 processes × 50 increments → exactly 400, database valid", { timeout: 120_000 }, async () => {
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(account("acct-a"));
		});
		const group = Array.from({ length: 8 }, () => start("counter-child.ts", [store.home, "50"]));
		await startTogether(group);
		const started = Date.now();
		const done = await Promise.all(group.map((child) => child.next("done", 100_000)));
		const elapsed = Date.now() - started;

		const onDisk = peekDb(store.file);
		expect(onDisk.meta.schema).toBe(String(DB_SCHEMA));
		expect((onDisk.state.counter as { count: number }).count).toBe(400);
		expect((await store.read()).accounts.map((a) => a.id)).toEqual(["acct-a"]);
		for (const child of group) expect((await child.exited).code).toBe(0);
		const waits = done.map((m) => m.waits as { max: number; mean: number; p95: number });
		console.log(
			`[store] 400 contended updates by 8 processes in ${elapsed} ms; lock wait per update: mean ${Math.round(
				waits.reduce((s, w) => s + w.mean, 0) / waits.length,
			)} ms, worst p95 ${Math.max(...waits.map((w) => w.p95))} ms, max ${Math.max(...waits.map((w) => w.max))} ms`,
		);
	});

	it("8 processes × 3 accounts refresh at once → one token call per account, no reuse, same credentials everywhere", {
		timeout: 60_000,
	}, async () => {
		const ids = ["acct-1", "acct-2", "acct-3"];
		const store = new AccountStore({ home: await tempHome() });
		await store.update((d) => {
			d.accounts.push(...ids.map((id) => account(id)));
		});
		const server = await startTokenServer(Object.fromEntries(ids.map((id) => [id, `refresh-${id}-1`])));
		try {
			// Every process saw the same stale access token and wants to refresh it.
			const known = JSON.stringify(ids.map((id) => ({ id, known: `access-${id}-1` })));
			const group = Array.from({ length: 8 }, () =>
				start("refresh-child.ts", [store.home, server.url], { STORE_ACCOUNTS: known }),
			);
			await startTogether(group);
			const done = await Promise.all(group.map((child) => child.next("done")));

			expect(server.calls).toEqual({ "acct-1": 1, "acct-2": 1, "acct-3": 1 });
			expect(server.reuse()).toBe(0);
			const stored = await store.read();
			for (const id of ids) {
				const record = stored.accounts.find((a) => a.id === id)!;
				expect(record.credentials.refresh).toBe(server.current.get(id));
				const outcomes = done.map(
					(m) => (m.outcomes as Record<string, { credentials: unknown; adopted: boolean }>)[id]!,
				);
				for (const outcome of outcomes) expect(outcome.credentials).toEqual(record.credentials);
				expect(outcomes.filter((o) => !o.adopted)).toHaveLength(1);
			}
			const maxWait = Math.max(...done.map((m) => (m.waits as { max: number }).max));
			console.log(`[store] single-flight refresh: longest lock wait ${maxWait} ms (token call takes ≥150 ms)`);
		} finally {
			await server.close();
		}
	});

	it.each([
		["the database's write lock (mid-transaction)", "data"],
		["an account's refresh lease", "account:acct-a"],
	])(
		"kill -9 of a process holding %s → another gets it within 1 s, data intact",
		{ timeout: 30_000 },
		async (_, kind) => {
			const store = new AccountStore({ home: await tempHome() });
			await store.update((d) => {
				d.accounts.push(account("acct-a"), account("acct-b"));
			});
			const before = await store.read();
			const holder = start("hold-lock-child.ts", [store.home, kind]);
			await holder.next("holding");
			holder.proc.kill("SIGKILL");
			expect((await holder.exited).signal).toBe("SIGKILL");

			const started = performance.now();
			if (kind === "data") {
				await store.update((d) => {
					d.accounts.push(account("acct-c"));
				});
			} else {
				await store.withAccountLock("acct-a", async () => {});
			}
			const recovery = performance.now() - started;
			console.log(`[store] ${kind} of a killed holder taken over after ${recovery.toFixed(1)} ms`);
			expect(recovery).toBeLessThan(1000);
			const after = await store.read();
			expect(after.state.intruder).toBeUndefined();
			expect(after.accounts.slice(0, 2)).toEqual(before.accounts);
			expect(await store.leases()).toEqual([]);
		},
	);

	it("kill -9 in the middle of a loop of large writes → always a valid pool with every account", {
		timeout: 90_000,
	}, async () => {
		const store = new AccountStore({ home: await tempHome() });
		const ids = Array.from({ length: 150 }, (_, i) => `acct-${i}`);
		await store.update((d) => {
			d.accounts.push(...ids.map((id) => account(id)));
		});
		// A reader racing the writer must never see a broken or partial pool.
		let reads = 0;
		let readerRunning = true;
		const reader = (async () => {
			const other = new AccountStore({ home: store.home });
			while (readerRunning) {
				expect((await other.read()).accounts).toHaveLength(ids.length);
				reads++;
				await new Promise((resolve) => setImmediate(resolve));
			}
		})();
		let writes = 0;
		try {
			for (let round = 0; round < 4; round++) {
				const writer = start("write-loop-child.ts", [store.home, "2048"]);
				await writer.next("wrote", 20_000);
				await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 60));
				writer.proc.kill("SIGKILL");
				await writer.exited;
				writes += writer.messages.filter((m) => m.type === "wrote").length;
				const data = await store.read();
				expect(data.accounts.map((a) => a.id)).toEqual(ids);
				for (const a of data.accounts) expect(a.credentials.access.length).toBeGreaterThan(0);
			}
		} finally {
			readerRunning = false;
			await reader;
		}
		await store.update((d) => {
			d.state.final = { cooldownReason: "after the kills" };
		});
		expect((await readdir(store.home)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
		expect((await store.read()).accounts).toHaveLength(ids.length);
		console.log(`[store] kill -9 mid-write: ${writes} completed writes, ${reads} clean concurrent reads`);
		expect(reads).toBeGreaterThan(0);
	});
});
