import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { AccountCredentials } from "../store/account-record.ts";
import { ImportSourceError } from "./auth-errors.ts";
import { type AccountIdentity, accountIdentity, jwtExpiresAt } from "./jwt.ts";

/** A login found in another tool's files, ready to become an account. */
export interface ImportedLogin {
	source: "pi" | "codex-cli";
	file: string;
	credentials: AccountCredentials;
	identity: AccountIdentity;
}

/** pi's agent directory: `PI_CODING_AGENT_DIR` (with `~`), else `~/.pi/agent`. */
export function defaultPiAgentDir(env: NodeJS.ProcessEnv = process.env): string {
	return env.PI_CODING_AGENT_DIR ? expandHome(env.PI_CODING_AGENT_DIR) : join(homedir(), ".pi", "agent");
}

/** The Codex CLI's home: `CODEX_HOME` (with `~`), else `~/.codex`. */
export function defaultCodexHome(env: NodeJS.ProcessEnv = process.env): string {
	return env.CODEX_HOME ? expandHome(env.CODEX_HOME) : join(homedir(), ".codex");
}

/** pi's own ChatGPT login: the `openai-codex` entry of `<agentDir>/auth.json`. */
export async function readPiAuthLogin(agentDir: string = defaultPiAgentDir()): Promise<ImportedLogin | undefined> {
	const file = join(agentDir, "auth.json");
	const data = await readJsonObject(file);
	const entry = data?.["openai-codex"];
	if (entry === undefined) return undefined;
	if (!isObject(entry) || entry.type !== "oauth") return undefined;
	const { access, refresh, expires } = entry;
	if (!nonEmpty(access) || !nonEmpty(refresh))
		throw new ImportSourceError(file, "the openai-codex entry has no tokens");
	const credentials: AccountCredentials = {
		access,
		refresh,
		expiresAt: typeof expires === "number" && Number.isFinite(expires) ? expires : (jwtExpiresAt(access) ?? 0),
	};
	const identity = identify(file, access, undefined, entry.accountId);
	return { source: "pi", file, credentials, identity };
}

/** The Codex CLI's ChatGPT login in `<codexHome>/auth.json`; `undefined` for an API-key-only file. */
export async function readCodexCliLogin(codexHome: string = defaultCodexHome()): Promise<ImportedLogin | undefined> {
	const file = join(codexHome, "auth.json");
	const data = await readJsonObject(file);
	if (!data) return undefined;
	const tokens = data.tokens;
	if (tokens === undefined || tokens === null) return undefined;
	if (!isObject(tokens)) throw new ImportSourceError(file, "`tokens` is not an object");
	const { access_token: access, refresh_token: refresh, id_token: idToken } = tokens;
	if (!nonEmpty(access) || !nonEmpty(refresh))
		throw new ImportSourceError(file, "`tokens` has no access or refresh token");
	// The CLI stores no expiry; 0 (= refresh first) when the JWT has none either.
	const credentials: AccountCredentials = { access, refresh, expiresAt: jwtExpiresAt(access) ?? 0 };
	if (nonEmpty(idToken)) credentials.idToken = idToken;
	const identity = identify(file, access, nonEmpty(idToken) ? idToken : undefined, tokens.account_id);
	return { source: "codex-cli", file, credentials, identity };
}

/** Identity from the tokens, falling back to the account id the file stores beside them. */
function identify(file: string, access: string, idToken: string | undefined, storedId: unknown): AccountIdentity {
	try {
		return accountIdentity(access, idToken);
	} catch {
		if (!nonEmpty(storedId)) throw new ImportSourceError(file, "the tokens carry no ChatGPT account id");
		const identity: AccountIdentity = { accountId: storedId };
		const expiresAt = jwtExpiresAt(access);
		if (expiresAt !== undefined) identity.expiresAt = expiresAt;
		return identity;
	}
}

/** The parsed file, `undefined` when it does not exist. Errors name the file, never its content. */
async function readJsonObject(file: string): Promise<Record<string, unknown> | undefined> {
	let text: string;
	try {
		text = await readFile(file, "utf8");
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === "ENOENT" || code === "ENOTDIR") return undefined;
		throw new ImportSourceError(file, `it cannot be read (${code ?? "unknown error"})`);
	}
	let data: unknown;
	try {
		data = JSON.parse(text.replace(/^\uFEFF/, ""));
	} catch {
		// JSON.parse's message quotes the text, which holds tokens: never pass it on.
		throw new ImportSourceError(file, "it is not valid JSON");
	}
	if (!isObject(data)) throw new ImportSourceError(file, "it is not a JSON object");
	return data;
}

function expandHome(path: string): string {
	if (path === "~") return homedir();
	if (path.startsWith("~/") || path.startsWith("~\\")) return join(homedir(), path.slice(2));
	return path;
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
	return typeof value === "string" && value.length > 0;
}
