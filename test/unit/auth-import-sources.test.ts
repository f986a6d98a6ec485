import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
	defaultCodexHome,
	defaultPiAgentDir,
	readCodexCliLogin,
	readPiAuthLogin,
} from "../../src/auth/import-sources.ts";
import { makeAccessToken } from "../fixtures/auth/jwt.ts";

const fixtures = fileURLToPath(new URL("../fixtures/auth/", import.meta.url));
const importError = { name: "ImportSourceError", code: "E_IMPORT_SOURCE" };

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "pi-dispatch-auth-import-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("readPiAuthLogin", () => {
	it("reads pi's openai-codex entry", async () => {
		const login = await readPiAuthLogin(join(fixtures, "pi-agent"));
		expect(login).toMatchObject({
			source: "pi",
			file: join(fixtures, "pi-agent", "auth.json"),
			credentials: { refresh: "rt_fixture_pi", expiresAt: 4_102_444_800_000 },
			identity: { accountId: "acct-pi-0001", plan: "plus" },
		});
		expect(login?.credentials.access).toMatch(/^eyJ/);
		expect(login?.credentials.idToken).toBeUndefined();
	});

	it("is undefined when there is no file or no Codex entry", async () => {
		expect(await readPiAuthLogin(join(dir, "missing"))).toBeUndefined();
		await writeFile(join(dir, "auth.json"), JSON.stringify({ anthropic: { type: "api_key", key: "k" } }));
		expect(await readPiAuthLogin(dir)).toBeUndefined();
	});

	it("uses the stored accountId when the access token lacks the claim", async () => {
		await writeFile(
			join(dir, "auth.json"),
			JSON.stringify({
				"openai-codex": { type: "oauth", access: "opaque", refresh: "r", expires: 5, accountId: "acct-x" },
			}),
		);
		expect(await readPiAuthLogin(dir)).toMatchObject({
			identity: { accountId: "acct-x" },
			credentials: { expiresAt: 5 },
		});
	});

	it("names the file but not its content when it is corrupt", async () => {
		// A truncated write: JSON.parse's own message would quote the token.
		const file = join(dir, "auth.json");
		await writeFile(file, '{"openai-codex": {"type": "oauth", "access": "eyJSECRETFIXTURE');
		const error = await readPiAuthLogin(dir).catch((e: unknown) => e);
		expect(error).toMatchObject({ ...importError, file });
		expect((error as Error).message).toContain(file);
		expect((error as Error).message).not.toContain("SECRET");
		expect((error as Error).cause).toBeUndefined();
	});

	it.each([
		["a JSON array", "[]"],
		[
			"an entry without tokens",
			JSON.stringify({ "openai-codex": { type: "oauth", access: "", refresh: "r", expires: 1 } }),
		],
		[
			"tokens without an account id",
			JSON.stringify({ "openai-codex": { type: "oauth", access: "a", refresh: "r", expires: 1 } }),
		],
	])("rejects %s", async (_, content) => {
		await writeFile(join(dir, "auth.json"), content);
		await expect(readPiAuthLogin(dir)).rejects.toMatchObject(importError);
	});

	it.skipIf(process.platform === "win32" || process.getuid?.() === 0)("rejects an unreadable file", async () => {
		await writeFile(join(dir, "auth.json"), "{}");
		await chmod(join(dir, "auth.json"), 0o000);
		await expect(readPiAuthLogin(dir)).rejects.toMatchObject(importError);
	});
});

describe("readCodexCliLogin", () => {
	it("reads the Codex CLI's tokens, keeping the id token and its email", async () => {
		const login = await readCodexCliLogin(join(fixtures, "codex-home"));
		expect(login).toMatchObject({
			source: "codex-cli",
			file: join(fixtures, "codex-home", "auth.json"),
			credentials: { refresh: "rt_fixture_codex", expiresAt: 4_102_444_800_000 },
			identity: { accountId: "acct-codex-0002", plan: "pro", email: "codex-user@example.com" },
		});
		expect(login?.credentials.idToken).toMatch(/^eyJ/);
	});

	it("is undefined when missing or API-key only", async () => {
		expect(await readCodexCliLogin(join(dir, "missing"))).toBeUndefined();
		await writeFile(join(dir, "auth.json"), JSON.stringify({ OPENAI_API_KEY: "sk-x", tokens: null }));
		expect(await readCodexCliLogin(dir)).toBeUndefined();
	});

	it("falls back to tokens.account_id and to expiresAt 0 without an exp", async () => {
		const access = makeAccessToken({ accountId: "acct-jwt" }, 0);
		await writeFile(
			join(dir, "auth.json"),
			JSON.stringify({ tokens: { access_token: "opaque", refresh_token: "r", account_id: "acct-stored" } }),
		);
		expect(await readCodexCliLogin(dir)).toMatchObject({
			identity: { accountId: "acct-stored" },
			credentials: { expiresAt: 0 },
		});
		await writeFile(join(dir, "auth.json"), JSON.stringify({ tokens: { access_token: access, refresh_token: "r" } }));
		expect(await readCodexCliLogin(dir)).toMatchObject({ identity: { accountId: "acct-jwt" } });
	});

	it.each([
		["invalid JSON", '{"tokens": {"access_token": "eyJSECRET'],
		["tokens not an object", JSON.stringify({ tokens: "x" })],
		["no refresh token", JSON.stringify({ tokens: { access_token: "a" } })],
	])("rejects %s without quoting it", async (_, content) => {
		await writeFile(join(dir, "auth.json"), content);
		const error = await readCodexCliLogin(dir).catch((e: unknown) => e);
		expect(error).toMatchObject({ ...importError, file: join(dir, "auth.json") });
		expect((error as Error).message).not.toContain("SECRET");
	});
});

describe("default directories", () => {
	it("honours PI_CODING_AGENT_DIR and CODEX_HOME, with ~", () => {
		expect(defaultPiAgentDir({})).toBe(join(homedir(), ".pi", "agent"));
		expect(defaultPiAgentDir({ PI_CODING_AGENT_DIR: "/x/agent" })).toBe("/x/agent");
		expect(defaultPiAgentDir({ PI_CODING_AGENT_DIR: "~/p" })).toBe(join(homedir(), "p"));
		expect(defaultCodexHome({})).toBe(join(homedir(), ".codex"));
		expect(defaultCodexHome({ CODEX_HOME: "/y/codex" })).toBe("/y/codex");
	});
});
