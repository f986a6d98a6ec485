import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AccountStore } from "../../src/store/account-store.ts";
import type { StoreWriteEvent } from "../../src/store/store-diagnostics.ts";

let home: string | undefined;
afterEach(async () => {
	if (home) await rm(home, { recursive: true, force: true });
});

describe("store diagnostics channels", () => {
	it("publish each lock wait and each write, ok or failed", async () => {
		home = await mkdtemp(join(tmpdir(), "pi-dispatch-diag-"));
		const store = new AccountStore({ home });
		const waits: unknown[] = [];
		const writes: StoreWriteEvent[] = [];
		const onWait = (message: unknown) => void waits.push(message);
		const onWrite = (message: unknown) => void writes.push(message as StoreWriteEvent);
		subscribe("pi-dispatch:store:lock-wait", onWait);
		subscribe("pi-dispatch:store:write", onWrite);
		try {
			await store.update((data) => {
				data.state.a = { cooldownReason: "x" };
			});
			await expect(
				store.update(() => {
					throw Object.assign(new Error("nope"), { code: "E_TEST" });
				}),
			).rejects.toThrow("nope");
		} finally {
			unsubscribe("pi-dispatch:store:lock-wait", onWait);
			unsubscribe("pi-dispatch:store:write", onWrite);
		}
		expect(waits).toEqual([
			expect.objectContaining({ lockPath: store.file, attempts: 1 }),
			expect.objectContaining({ attempts: 1 }),
		]);
		expect(writes).toEqual([
			expect.objectContaining({ file: store.file, ok: true, state: { a: { cooldownReason: "x" } } }),
			expect.objectContaining({ file: store.file, ok: false, code: "E_TEST" }),
		]);
	});
});
