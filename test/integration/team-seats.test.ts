import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { accountIdentity } from "../../src/auth/jwt.ts";
import { assertTokensBelongTo } from "../../src/auth/token-client.ts";
import { saveLogin } from "../../src/commands/save-login.ts";
import { AccountStore } from "../../src/store/account-store.ts";
import { type FakeCodex, type FakeTokens, startFakeCodex } from "../fake-codex/index.ts";
import { type Harness, responseAccounts, startHarness } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

// Two seats of one Team workspace: the same chatgpt_account_id, two users, two sets of limits
// (codex-rs login/src/token_data.rs: chatgpt_account_id is the workspace).

const login = (tokens: FakeTokens) => ({
	credentials: {
		access: tokens.access,
		refresh: tokens.refresh,
		expiresAt: tokens.expiresAt,
		idToken: tokens.idToken,
	},
	identity: accountIdentity(tokens.access, tokens.idToken),
});

let fake: FakeCodex | undefined;
let home: string | undefined;
let harness: Harness | undefined;
afterEach(async () => {
	await harness?.close();
	await fake?.close();
	if (home) await rm(home, { recursive: true, force: true });
	harness = fake = home = undefined;
});

async function twoSeats(): Promise<{ store: AccountStore; seat1: FakeTokens; seat2: FakeTokens }> {
	fake = await startFakeCodex();
	const seat1 = fake.addAccount({ accountId: "seat-1", workspaceId: "ws-team", plan: "team" });
	const seat2 = fake.addAccount({ accountId: "seat-2", workspaceId: "ws-team", plan: "team" });
	home = await mkdtemp(join(tmpdir(), "pi-dispatch-seats-"));
	return { store: new AccountStore({ home }), seat1, seat2 };
}

describe("Team and Business seats", () => {
	it("two seats of one workspace are two accounts; a new login of a seat updates that seat only", async () => {
		const { store, seat1, seat2 } = await twoSeats();
		expect(accountIdentity(seat1.access).accountId).toBe(accountIdentity(seat2.access).accountId);
		expect(await saveLogin(store, login(seat1))).toMatchObject({ kind: "added", label: "account-1" });
		expect(await saveLogin(store, login(seat2))).toMatchObject({ kind: "added", label: "account-2" });
		expect(await saveLogin(store, login(fake!.issueTokens("seat-1")))).toMatchObject({
			kind: "updated",
			label: "account-1",
		});
		const { accounts } = await store.read();
		expect(accounts.map((a) => ({ id: a.id, workspace: a.workspace, seat: a.seat }))).toEqual([
			{ id: "ws-team", workspace: undefined, seat: accountIdentity(seat1.access).seat },
			{ id: accountIdentity(seat2.access).seat, workspace: "ws-team", seat: accountIdentity(seat2.access).seat },
		]);
		store.close();
	});

	it("a store saved before seats were told apart keeps its seat: another seat's login is added, not swapped in", async () => {
		const { store, seat1, seat2 } = await twoSeats();
		await saveLogin(store, login(seat1));
		// As an older pi-dispatch sharing the migrated pool saves it: no seat field.
		await store.update((data) => {
			delete data.accounts[0]!.seat;
		});
		store.close();
		const reopened = new AccountStore({ home: home! });
		expect(await saveLogin(reopened, login(seat2))).toMatchObject({ kind: "added" });
		expect(await saveLogin(reopened, login(fake!.issueTokens("seat-1")))).toMatchObject({ kind: "updated" });
		const { accounts } = await reopened.read();
		expect(accounts).toHaveLength(2);
		expect(accounts[0]!.seat).toBe(accountIdentity(seat1.access).seat);
		reopened.close();
	});

	it("a refresh that answers with another seat's tokens is refused, per seat", async () => {
		const { store, seat1, seat2 } = await twoSeats();
		store.close();
		const expected = { workspace: "ws-team", seat: accountIdentity(seat1.access).seat! };
		expect(() => assertTokensBelongTo(expected, login(seat1).credentials)).not.toThrow();
		expect(() => assertTokensBelongTo(expected, login(seat2).credentials)).toThrow(/another seat/);
		expect(() => assertTokensBelongTo({ workspace: "ws-other" }, login(seat1).credentials)).toThrow(
			/another account/,
		);
	});

	it("each seat serves, refreshes and polls usage under the workspace's chatgpt-account-id", async () => {
		fake = await startFakeCodex();
		harness = await startHarness({
			fake,
			accounts: [
				{ accountId: "seat-1", workspaceId: "ws-team", plan: "team" },
				{ accountId: "seat-2", workspaceId: "ws-team", plan: "team" },
			],
			editRecord: (record) => {
				const identity = accountIdentity(record.credentials.access, record.credentials.idToken);
				record.workspace = identity.accountId;
				if (identity.seat) record.seat = identity.seat;
			},
		});
		const { supervisor } = harness;
		fake.setFault("seat-1", { kind: "usage-limit", resetsInSeconds: 600 });
		fake.expireAccessTokens("seat-2");
		const result = await harness.ask("hi");
		expect(result.text).toBe("Hello from seat-2.");
		expect(responseAccounts(fake)).toContain("seat-2");
		// seat-2's refresh answered with seat-2's tokens: accepted, not "another account".
		await eventually(() => expect(supervisor.actor("seat-2")!.snapshot.state).toBe("ready"));
		expect(supervisor.actor("seat-2")!.snapshot.lastError ?? "").not.toMatch(/another|not stored/);
		expect(fake.tokenCallCount("seat-2")).toBe(1);
		// Usage polls named the workspace and were answered.
		expect(fake.requests.filter((r) => r.route === "usage" && r.status === 200).length).toBeGreaterThanOrEqual(2);
	});
});
