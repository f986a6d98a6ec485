import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CODEX_CLI_NOTE, importCommand, PI_LOGIN_NOTE } from "../../src/commands/import.ts";
import { onSessionStart } from "../../src/commands/session-hooks.ts";
import { makeAccessToken } from "../fixtures/auth/jwt.ts";
import { commandEnv, recordingUI } from "../helpers/command-harness.ts";
import { type Harness, startHarness } from "../helpers/dispatch-harness.ts";

const fixtures = fileURLToPath(new URL("../fixtures/auth/", import.meta.url));
const piAgentDir = join(fixtures, "pi-agent");
const codexHome = join(fixtures, "codex-home");

let h: Harness;
let dir: string;
beforeEach(async () => {
	h = await startHarness({ accounts: [] });
	dir = await mkdtemp(join(tmpdir(), "pi-dispatch-import-"));
});
afterEach(async () => {
	await h.close();
	await rm(dir, { recursive: true, force: true });
});

const stored = async () =>
	(await h.store.read()).accounts.map((a) => ({ id: a.id, label: a.label, refresh: a.credentials.refresh }));

describe("/dispatch-import", () => {
	it("imports pi's and the Codex CLI's logins, says what to do about the copies, and never prints a token", async () => {
		const ui = recordingUI("rpc");
		await importCommand().run("", commandEnv(h.runtime, ui, { piAgentDir, codexHome }));
		expect(await stored()).toEqual([
			{ id: "acct-pi-0001", label: "account-1", refresh: "rt_fixture_pi" },
			{ id: "acct-codex-0002", label: "account-2", refresh: expect.any(String) },
		]);
		expect(ui.notes.map((n) => n.level)).toEqual(["info", "info", "warning", "warning"]);
		expect(ui.notes[0]?.message).toBe(
			`Imported account acct-pi-0001 from pi's login (${join(piAgentDir, "auth.json")}) as account-1.`,
		);
		expect(ui.notes[1]?.message).toMatch(
			/^Imported codex-user@example.com \(pro\) from the Codex CLI's login .* as account-2\.$/,
		);
		expect(ui.notes.slice(2).map((n) => n.message)).toEqual([PI_LOGIN_NOTE, CODEX_CLI_NOTE]);
		expect(PI_LOGIN_NOTE).toContain("never refreshes it");
		expect(ui.allText()).not.toMatch(/eyJ|rt_fixture/);
		await vi.waitFor(() => expect(h.supervisor.accounts()).toHaveLength(2));

		// Again: nothing new, and the stored logins stay.
		const again = recordingUI("rpc");
		await importCommand().run("", commandEnv(h.runtime, again, { piAgentDir, codexHome }));
		expect((await stored()).map((a) => a.label)).toEqual(["account-1", "account-2"]);
		expect(again.notes.map((n) => n.message)).toEqual([
			expect.stringMatching(/is already account-1; kept its current login\.$/),
			expect.stringMatching(/is already account-2; kept its current login\.$/),
		]);
	});

	it("keeps one login per account when both tools hold the same one (the one valid longest)", async () => {
		const account = { accountId: "acct-same", email: "same@example.test", plan: "plus" };
		const pi = join(dir, "pi");
		const codex = join(dir, "codex");
		await mkdir(pi);
		await mkdir(codex);
		const soon = Math.floor(Date.now() / 1000) + 600;
		const later = soon + 3600;
		await writeFile(
			join(pi, "auth.json"),
			JSON.stringify({
				"openai-codex": {
					type: "oauth",
					access: makeAccessToken(account, soon),
					refresh: "rt_pi",
					expires: soon * 1000,
				},
			}),
		);
		await writeFile(
			join(codex, "auth.json"),
			JSON.stringify({
				tokens: {
					access_token: makeAccessToken(account, later),
					refresh_token: "rt_codex",
					account_id: "acct-same",
				},
			}),
		);
		const ui = recordingUI("rpc");
		await importCommand().run("", commandEnv(h.runtime, ui, { piAgentDir: pi, codexHome: codex }));
		expect(await stored()).toEqual([{ id: "acct-same", label: "account-1", refresh: "rt_codex" }]);
		expect(ui.notes.filter((n) => n.level === "warning").map((n) => n.message)).toEqual([CODEX_CLI_NOTE]);
	});

	it("imports from a folder or an auth.json given as argument", async () => {
		const copy = join(dir, "backup");
		await cp(codexHome, copy, { recursive: true });
		await importCommand().run(join(copy, "auth.json"), commandEnv(h.runtime, recordingUI("print")));
		expect((await stored()).map((a) => a.id)).toEqual(["acct-codex-0002"]);
		await importCommand().run(piAgentDir, commandEnv(h.runtime, recordingUI("print")));
		expect((await stored()).map((a) => a.id)).toEqual(["acct-codex-0002", "acct-pi-0001"]);
	});

	it("explains a path it cannot use, a broken file, and finding nothing", async () => {
		await expect(
			importCommand().run(join(dir, "missing"), commandEnv(h.runtime, recordingUI())),
		).rejects.toMatchObject({
			name: "CommandUsageError",
		});
		await writeFile(join(dir, "tokens.txt"), "x");
		await expect(
			importCommand().run(join(dir, "tokens.txt"), commandEnv(h.runtime, recordingUI())),
		).rejects.toMatchObject({
			name: "CommandUsageError",
		});

		await writeFile(join(dir, "auth.json"), '{"openai-codex": {"type": "oauth", "access": "eyJ.broken');
		const ui = recordingUI("rpc");
		await importCommand().run(dir, commandEnv(h.runtime, ui));
		expect(ui.notes).toEqual([
			{ message: `Cannot import the login in ${join(dir, "auth.json")}: it is not valid JSON.`, level: "warning" },
			{
				message: `No ChatGPT login found in ${join(dir, "auth.json")}. Run /dispatch-login instead.`,
				level: "warning",
			},
		]);
		expect(await stored()).toEqual([]);
	});
});

describe("first session start with no accounts", () => {
	it("takes pi's login without a question, in one line, once per process", async () => {
		const ui = recordingUI("tui", { confirm: () => true });
		await onSessionStart(commandEnv(h.runtime, ui, { piAgentDir, codexHome }));
		expect(ui.notes).toEqual([
			{
				message:
					"pi-dispatch took over pi's ChatGPT login (account acct-pi-0001) as account-1; it refreshes that login from now on.",
				level: "info",
			},
		]);
		expect(ui.dialogs).toEqual([]);
		expect((await stored()).map((a) => a.id)).toEqual(["acct-pi-0001"]);

		await h.store.update((data) => {
			data.accounts = [];
		});
		await h.supervisor.reload();
		const second = recordingUI("tui", { confirm: () => true });
		await onSessionStart(commandEnv(h.runtime, second, { piAgentDir }));
		expect(second.notes).toEqual([]);
		expect(await stored()).toEqual([]);
	});

	it("offers the Codex CLI's login with a confirm dialog", async () => {
		const ui = recordingUI("tui", { confirm: () => true });
		await onSessionStart(commandEnv(h.runtime, ui, { codexHome }));
		// The dialog is not awaited by the hook (it must not hold up pi's startup).
		await vi.waitFor(() => expect(ui.notes.at(-1)).toEqual({ message: CODEX_CLI_NOTE, level: "warning" }));
		expect(ui.dialogs).toEqual([
			{
				kind: "confirm",
				title: "Import your ChatGPT login into pi-dispatch?",
				detail: "pi-dispatch has no accounts yet. Found the Codex CLI's login (codex-user@example.com).",
			},
		]);
		expect(await stored()).toHaveLength(1);
	});

	it("gives a one-line hint where no dialog exists, and changes nothing", async () => {
		const ui = recordingUI("print");
		await onSessionStart(commandEnv(h.runtime, ui, { codexHome }));
		expect(ui.notes).toEqual([
			{
				message:
					"pi-dispatch has no accounts yet; found the Codex CLI's login (codex-user@example.com). Run /dispatch-import to use it.",
				level: "info",
			},
		]);
		expect(await stored()).toEqual([]);
	});

	it("stays quiet when nothing is found", async () => {
		const ui = recordingUI("tui", { confirm: () => true });
		await onSessionStart(commandEnv(h.runtime, ui));
		expect(ui.notes).toEqual([]);
		expect(ui.dialogs).toEqual([]);
	});
});

describe("session start while pi keeps its own Codex login", () => {
	it("says nothing once the pool has accounts: pi no longer refreshes its copy", async () => {
		await importCommand().run("", commandEnv(h.runtime, recordingUI("rpc"), { piAgentDir, codexHome: dir }));
		await vi.waitFor(() => expect(h.supervisor.accounts()).toHaveLength(1));
		const ui = recordingUI("tui");
		await onSessionStart(commandEnv(h.runtime, ui, { piAgentDir }));
		expect(ui.notes).toEqual([]);
		expect(ui.dialogs).toEqual([]);
	});
});
