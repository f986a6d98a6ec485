import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { accountStanding, standingText } from "../../src/commands/account-state.ts";
import { type Harness, startHarness, usedAccount } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let harness: Harness | undefined;
let immutable: string[] = [];
afterEach(async () => {
	if (immutable.length) execFileSync("chattr", ["-i", ...immutable]);
	immutable = [];
	await harness?.close();
	harness = undefined;
});

/** Tests run as root, where chmod stops nothing: the immutable flag (ext4) makes the kernel refuse writes. */
function makeImmutable(home: string): void {
	const paths = [home, ...["pool.db", "pool.db-wal"].map((n) => join(home, n)).filter((p) => existsSync(p))];
	execFileSync("chattr", ["+i", ...paths]);
	immutable = paths;
}

function release(): void {
	execFileSync("chattr", ["-i", ...immutable]);
	immutable = [];
}

const canChattr = (() => {
	try {
		execFileSync("chattr", ["--help"], { stdio: "ignore" });
		return process.getuid?.() === 0;
	} catch (error) {
		return (error as { status?: number }).status !== undefined && process.getuid?.() === 0;
	}
})();

describe("tokens from the token endpoint", () => {
	it("of another account are refused: nothing stored, the account marked needs-login with the reason", async () => {
		harness = await startHarness({ accounts: [usedAccount("acct-a", 10, 24), usedAccount("acct-b", 10, 48)] });
		const { fake, supervisor, store } = harness;
		const before = await store.read();
		fake.expireAccessTokens("acct-a");
		fake.token.fault = "foreign";
		fake.token.foreignAccountId = "acct-b";
		const result = await harness.ask("hi");
		expect(result.text).toBe("Hello from acct-b.");
		await eventually(() => expect(supervisor.actor("acct-a")!.snapshot.state).toBe("needs-login"));
		expect(supervisor.actor("acct-a")!.snapshot.lastError).toMatch(/tokens of another account \(acct-b\)/);
		await eventually(async () => {
			const a = (await store.read()).accounts.find((r) => r.id === "acct-a")!;
			expect(a.needsLogin?.reason).toMatch(/another account/);
		});
		const after = await store.read();
		for (const id of ["acct-a", "acct-b"]) {
			expect(after.accounts.find((r) => r.id === id)!.credentials).toEqual(
				before.accounts.find((r) => r.id === id)!.credentials,
			);
		}
	});
});

describe("an actor thread that ends while it holds the refresh lease", () => {
	it.for(["crash", "stop"] as const)("%s: the main thread releases the lease the thread cannot", async (how) => {
		harness = await startHarness({ accounts: [usedAccount("acct-a", 10, 24)] });
		const { fake, supervisor, store } = harness;
		fake.expireAccessTokens("acct-a");
		fake.token.delayMs = 10_000;
		void harness.ask("hi").catch(() => undefined);
		await fake.waitForRequest((r) => r.route === "token");
		await eventually(async () => expect(await store.leases()).toHaveLength(1));
		const actor = supervisor.actor("acct-a")!;
		if (how === "crash") await actor.killThread();
		else await actor.stop();
		await eventually(async () => expect(await store.leases()).toEqual([]));
		fake.token.delayMs = 0;
	});
});

describe.skipIf(!canChattr)("a save refused by the OS during the token call (chattr +i on the state folder)", () => {
	it("shows 'login not saved', keeps serving from memory, and works again once writable, with no new login", async () => {
		harness = await startHarness({ accounts: [usedAccount("acct-a", 10, 24)] });
		const { fake, supervisor, store, home } = harness;
		const spent = (await store.read()).accounts[0]!.credentials.refresh;
		fake.expireAccessTokens("acct-a");
		fake.token.delayMs = 300;
		const asked = harness.ask("hi");
		await fake.waitForRequest((r) => r.route === "token");
		makeImmutable(home);
		expect((await asked).text).toBe("Hello from acct-a.");
		await eventually(() => expect(supervisor.actor("acct-a")!.snapshot.loginNotSaved).toMatch(/E_STORE_WRITE/));
		const view = supervisor.accounts().find((v) => v.id === "acct-a")!;
		expect(standingText(accountStanding(view, {}, Date.now()), Date.now())).toMatch(
			/^login not saved: E_STORE_WRITE SQLITE_/,
		);
		expect(supervisor.actor("acct-a")!.snapshot.state).not.toBe("needs-login");
		// The database still holds the spent token: nothing wrote over it, nothing claims it is saved.
		expect((await store.read()).accounts[0]!.credentials.refresh).toBe(spent);

		release();
		await eventually(() => expect(supervisor.actor("acct-a")!.snapshot.loginNotSaved).toBeUndefined(), 10_000);
		const saved = (await store.read()).accounts[0]!;
		expect(saved.credentials.refresh).not.toBe(spent);
		expect(saved.needsLogin).toBeUndefined();

		// Another expiry: refreshed from the saved token, no reuse, no new login.
		fake.token.delayMs = 0;
		fake.expireAccessTokens("acct-a");
		expect((await harness.ask("again")).text).toBe("Hello from acct-a.");
		expect(fake.tokenCallCount("acct-a")).toBe(2);
		expect(supervisor.actor("acct-a")!.snapshot.state).toBe("ready");
		expect(fake.requests.filter((r) => r.route === "token" && r.status !== 200)).toEqual([]);
	});
});
