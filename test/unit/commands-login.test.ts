import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defaultAuthEndpoints } from "../../src/auth/auth-endpoints.ts";
import { loginCommand } from "../../src/commands/login.ts";
import type { DispatchRuntime } from "../../src/runtime.ts";
import type { FakeTokens } from "../fake-codex/index.ts";
import { authorizeRedirect, completeInBrowser } from "../fixtures/auth/fake-browser.ts";
import { commandEnv, type RecordingUI, recordingUI, unansweredInput } from "../helpers/command-harness.ts";
import { type Harness, startHarness } from "../helpers/dispatch-harness.ts";

let h: Harness;
let runtime: DispatchRuntime;
let browser: Promise<unknown> | undefined;

/** The browser "opens" the URL and the fake user approves at once. */
const approvingBrowser = (url: string) => {
	browser = completeInBrowser(url);
};

beforeEach(async () => {
	h = await startHarness({ accounts: [{ accountId: "acct-other", email: "other@example.test" }], labels: ["work"] });
	// Logins bind an ephemeral callback port instead of 1455.
	const auth = defaultAuthEndpoints({ PI_DISPATCH_AUTH_URL: h.fake.tokenUrl, PI_DISPATCH_CALLBACK_PORT: "0" });
	runtime = { ...h.runtime, config: { ...h.runtime.config, auth } };
	browser = undefined;
});
afterEach(async () => {
	await browser?.catch(() => undefined);
	await h.close();
});

function newFakeAccount(): FakeTokens {
	// addAccount makes it the one the fake authorize page logs in.
	return h.fake.addAccount({ accountId: "acct-login", email: "login@example.test", plan: "pro" });
}

async function storedAccounts() {
	return (await h.store.read()).accounts.map((a) => ({ id: a.id, label: a.label, email: a.email, plan: a.plan }));
}

function expectNoSecrets(ui: RecordingUI, tokens: FakeTokens): void {
	const text = ui.allText();
	expect(text).not.toContain(tokens.refresh);
	expect(text).not.toMatch(/eyJ[\w-]+\./);
}

describe("/dispatch-login", () => {
	it("adds a login as account-1, and a second login of the same account relabels it without a duplicate", async () => {
		const tokens = newFakeAccount();
		const ui = recordingUI("rpc", { input: unansweredInput });
		const login = loginCommand({ openBrowser: approvingBrowser });

		await login.run("", commandEnv(runtime, ui));
		expect(await storedAccounts()).toContainEqual({
			id: "acct-login",
			label: "account-1",
			email: "login@example.test",
			plan: "pro",
		});
		expect(ui.notes.at(0)?.message).toMatch(
			/^Log in to ChatGPT in your browser: http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?/,
		);
		expect(ui.notes.at(-1)).toEqual({
			message: "Logged in login@example.test (pro); added as account-1.",
			level: "info",
		});
		// The supervisor followed the store.
		expect(h.supervisor.findByLabel("account-1")?.id).toBe("acct-login");

		await login.run("personal", commandEnv(runtime, ui));
		const accounts = await storedAccounts();
		expect(accounts.filter((a) => a.id === "acct-login")).toEqual([
			{ id: "acct-login", label: "personal", email: "login@example.test", plan: "pro" },
		]);
		expect(ui.notes.at(-1)?.message).toBe(
			"Logged in login@example.test (pro); updated the login of account-1, now labelled personal.",
		);
		await vi.waitFor(() => expect(h.supervisor.findByLabel("personal")?.id).toBe("acct-login"));
		expectNoSecrets(ui, tokens);
	});

	it("refuses a label another account uses, after the login, and saves nothing", async () => {
		newFakeAccount();
		const ui = recordingUI("rpc", { input: unansweredInput });
		await expect(
			loginCommand({ openBrowser: approvingBrowser }).run("WORK", commandEnv(runtime, ui)),
		).rejects.toMatchObject({
			name: "InvalidLabelError",
			code: "E_INVALID_LABEL",
		});
		expect((await storedAccounts()).map((a) => a.id)).toEqual(["acct-other"]);
	});

	it.each([
		["whitespace", "my work"],
		["too long", "x".repeat(33)],
	])("rejects a label with %s before the browser opens", async (_what, label) => {
		const opened = vi.fn();
		const ui = recordingUI("rpc");
		await expect(loginCommand({ openBrowser: opened }).run(label, commandEnv(runtime, ui))).rejects.toMatchObject({
			name: "InvalidLabelError",
		});
		expect(opened).not.toHaveBeenCalled();
		expect(h.fake.requests.filter((r) => r.route === "authorize")).toHaveLength(0);
	});

	it("reports a denial in the browser and saves nothing", async () => {
		newFakeAccount();
		h.fake.authorize.deny = true;
		const ui = recordingUI("rpc", { input: unansweredInput });
		await expect(
			loginCommand({ openBrowser: approvingBrowser }).run("", commandEnv(runtime, ui)),
		).rejects.toMatchObject({
			name: "LoginDeniedError",
		});
		expect((await storedAccounts()).map((a) => a.id)).toEqual(["acct-other"]);
	});

	it("cancels when the paste dialog is dismissed", async () => {
		newFakeAccount();
		const ui = recordingUI("tui", { input: () => undefined });
		await expect(loginCommand({ openBrowser: () => {} }).run("", commandEnv(runtime, ui))).rejects.toMatchObject({
			name: "LoginCancelledError",
		});
		expect(ui.dialogs).toEqual([{ kind: "input", title: expect.stringMatching(/paste the redirect URL/) }]);
		expect((await storedAccounts()).map((a) => a.id)).toEqual(["acct-other"]);
	});

	it("accepts the redirect URL pasted into the dialog (remote machine)", async () => {
		newFakeAccount();
		let shownUrl = "";
		const ui = recordingUI("tui", {
			// The browser could not reach the callback: the user copies its address bar.
			input: async () => (await authorizeRedirect(shownUrl)).toString(),
		});
		await loginCommand({ openBrowser: (url) => (shownUrl = url) }).run("remote", commandEnv(runtime, ui));
		expect(await storedAccounts()).toContainEqual(expect.objectContaining({ id: "acct-login", label: "remote" }));
	});

	it("times out in print mode when no browser finishes, and saves nothing", async () => {
		newFakeAccount();
		const ui = recordingUI("print");
		const login = loginCommand({ openBrowser: () => {}, login: { timeoutMs: 200 } });
		await expect(login.run("", commandEnv(runtime, ui))).rejects.toMatchObject({ name: "LoginTimeoutError" });
		expect(ui.dialogs).toEqual([]);
		expect((await storedAccounts()).map((a) => a.id)).toEqual(["acct-other"]);
	});

	it("a new login of an account that needed one makes it usable again", async () => {
		await h.store.update((data) => {
			const other = data.accounts[0]!;
			other.needsLogin = { since: Date.now(), reason: "refresh_token_reused" };
			other.updatedAt += 1;
		});
		await h.supervisor.reload();
		await vi.waitFor(() => expect(h.supervisor.findByLabel("work")?.snapshot.state).toBe("needs-login"));

		h.fake.nextLoginAccountId = "acct-other";
		const ui = recordingUI("rpc", { input: unansweredInput });
		await loginCommand({ openBrowser: approvingBrowser }).run("", commandEnv(runtime, ui));
		expect(ui.notes.at(-1)?.message).toBe("Logged in other@example.test (plus); updated the login of work.");
		const stored = (await h.store.read()).accounts;
		expect(stored).toHaveLength(1);
		expect(stored[0]?.needsLogin).toBeUndefined();
		await vi.waitFor(() => expect(h.supervisor.findByLabel("work")?.snapshot.state).toBe("ready"));
	});
});
