/**
 * /dispatch-import [path]: adopt a ChatGPT login that pi (`auth.json`, entry `openai-codex`) or the
 * Codex CLI (`~/.codex/auth.json`) already holds, deduplicated by account. The source file is only
 * read. Its owner keeps refreshing its own copy, which matters because refresh tokens work once.
 */
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { ImportSourceError } from "../auth/auth-errors.ts";
import { defaultCodexHome, type ImportedLogin, readCodexCliLogin, readPiAuthLogin } from "../auth/import-sources.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import type { CommandEnv, DispatchCommand } from "./command-env.ts";
import { CommandUsageError } from "./command-errors.ts";
import { loginWho, type SaveOutcome, saveLogin } from "./save-login.ts";
import { safeOneLine } from "./text-format.ts";

/** README-ready: what to do after importing pi's own login. */
export const PI_LOGIN_NOTE =
	"pi keeps its copy of this login in auth.json but never refreshes it while pi-dispatch is installed: the pool refreshes it, and serves openai-codex.";

/** README-ready: what to do after importing the Codex CLI's login. */
export const CODEX_CLI_NOTE =
	"The Codex CLI refreshes its copy of this login too, and a refresh token works only once: if you keep using the Codex CLI with this account, give pi-dispatch its own login with /dispatch-login instead.";

export interface ImportScan {
	/** One login per account (the one valid longest when both tools hold it). */
	logins: ImportedLogin[];
	/** Files that exist but could not be used; the other source still counts. */
	problems: string[];
	/** The files looked at, for "nothing found" messages. */
	files: string[];
}

/** Reads pi's and the Codex CLI's login files (or the folder/file at `path`). Never writes. */
export async function scanImportSources(
	env: Pick<CommandEnv, "piAgentDir" | "codexHome">,
	path?: string,
): Promise<ImportScan> {
	const sources: { file: string; read: () => Promise<ImportedLogin | undefined> }[] = [];
	if (path) {
		const dir = await sourceFolder(path);
		sources.push({ file: join(dir, "auth.json"), read: () => readPiAuthLogin(dir) });
		sources.push({ file: join(dir, "auth.json"), read: () => readCodexCliLogin(dir) });
	} else {
		const codexHome = env.codexHome ?? defaultCodexHome();
		sources.push({ file: join(env.piAgentDir, "auth.json"), read: () => readPiAuthLogin(env.piAgentDir) });
		sources.push({ file: join(codexHome, "auth.json"), read: () => readCodexCliLogin(codexHome) });
	}
	const byAccount = new Map<string, ImportedLogin>();
	const problems: string[] = [];
	for (const source of sources) {
		let login: ImportedLogin | undefined;
		try {
			login = await source.read();
		} catch (error) {
			if (!(error instanceof ImportSourceError)) throw error;
			problems.push(error.message);
			continue;
		}
		if (!login) continue;
		// One login per seat: pi's and the Codex CLI's copy of the same login, the fresher one.
		const key = login.identity.seat ?? login.identity.accountId;
		const seen = byAccount.get(key);
		if (!seen || login.credentials.expiresAt > seen.credentials.expiresAt) byAccount.set(key, login);
	}
	return {
		logins: [...byAccount.values()],
		problems: [...new Set(problems)],
		files: [...new Set(sources.map((s) => s.file))],
	};
}

/** Saves the scanned logins and tells the user what happened, with the caveats of each source. */
export async function importLogins(env: CommandEnv, supervisor: Supervisor, scan: ImportScan): Promise<void> {
	for (const problem of scan.problems) env.ui.notify(safeOneLine(problem), "warning");
	if (scan.logins.length === 0) {
		env.ui.notify(`No ChatGPT login found in ${scan.files.join(" or ")}. Run /dispatch-login instead.`, "warning");
		return;
	}
	const notes = new Set<string>();
	for (const login of scan.logins) {
		const outcome = await saveLogin(supervisor.store, login, { keepExisting: true });
		env.ui.notify(importMessage(login, outcome), "info");
		if (outcome.kind === "kept") continue;
		notes.add(login.source === "pi" ? PI_LOGIN_NOTE : CODEX_CLI_NOTE);
	}
	await supervisor.reload();
	for (const note of notes) env.ui.notify(note, "warning");
}

export function importCommand(): DispatchCommand {
	return {
		name: "dispatch-import",
		description: "Import the ChatGPT login of pi or the Codex CLI: /dispatch-import [folder or auth.json]",
		async run(args, env) {
			const supervisor = await env.runtime.supervisor();
			const scan = await scanImportSources(env, args === "" ? undefined : args);
			await importLogins(env, supervisor, scan);
		},
	};
}

export function sourceName(login: ImportedLogin): string {
	return login.source === "pi" ? "pi's login" : "the Codex CLI's login";
}

function importMessage(login: ImportedLogin, outcome: SaveOutcome): string {
	const who = loginWho(login);
	const from = `${sourceName(login)} (${login.file})`;
	switch (outcome.kind) {
		case "added":
			return `Imported ${who} from ${from} as ${outcome.label}.`;
		case "updated":
			return `Imported ${who} from ${from}: ${outcome.label} had lost its login and works again.`;
		case "kept":
			return `${who} from ${from} is already ${outcome.label}; kept its current login.`;
	}
}

/** A folder holding auth.json, or an auth.json file itself. */
async function sourceFolder(path: string): Promise<string> {
	const full = resolve(path === "~" ? homedir() : path.startsWith("~/") ? join(homedir(), path.slice(2)) : path);
	let isDirectory: boolean;
	try {
		isDirectory = (await stat(full)).isDirectory();
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
		throw new CommandUsageError(`Cannot import from ${full}: ${code === "ENOENT" ? "it does not exist" : code}.`);
	}
	if (isDirectory) return full;
	if (basename(full) === "auth.json") return dirname(full);
	throw new CommandUsageError(`Cannot import from ${full}: give a folder holding auth.json, or an auth.json file.`);
}
