/**
 * Session start: make sure the supervisor runs (idempotent; a bad accounts file is reported by the
 * glue in one line), and on the first start with an empty pool take the login pi already stored
 * (pi-dispatch owns the `openai-codex` login from now on; one line says so). With no pi login,
 * the Codex CLI's is offered: a confirm dialog where dialogs exist, a one-line hint otherwise.
 */

import { describeError } from "../errors.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { findLabel } from "./account-lookup.ts";
import type { CommandEnv, CommandRuntime } from "./command-env.ts";
import { type ImportScan, importLogins, scanImportSources, sourceName } from "./import.ts";
import { loginWho, saveLogin } from "./save-login.ts";
import { safeOneLine } from "./text-format.ts";

/** Runtimes that already looked for logins to take: once per pi process, not on every /new. */
const looked = new WeakSet<CommandRuntime>();

export async function onSessionStart(env: CommandEnv): Promise<void> {
	const supervisor = await env.runtime.supervisor();
	// The TUI's footer shows usage: an interactive session takes its share of the stale accounts'
	// polls now (in the background). Print and RPC runs leave them to the pool's tick.
	if (env.ui.mode === "tui")
		void supervisor.refreshUsage(undefined, supervisor.activation.pollsPerTick).catch(() => undefined);
	pinFromEnvironment(env, supervisor);
	if (looked.has(env.runtime)) return;
	looked.add(env.runtime);
	if (supervisor.accounts().length > 0) return;
	// A broken source file is for /dispatch-import to explain; startup stays quiet about it.
	const scan = await scanImportSources(env).catch(() => undefined);
	if (!scan || scan.logins.length === 0) return;
	if (await takePiLogin(env, supervisor, scan)) return;
	offerCodexCliLogin(env, supervisor, scan);
}

/** `PI_DISPATCH_USE=<label>`: the session starts pinned, as after /dispatch-use (once per session). */
function pinFromEnvironment(env: CommandEnv, supervisor: Supervisor): void {
	const label = env.runtime.config.use;
	if (label === undefined || supervisor.pinnedAccount(env.sessionKey) !== undefined) return;
	const account = findLabel(supervisor.accounts(), label);
	if (!account) {
		const known = supervisor.accounts().map((a) => a.label);
		env.ui.notify(`PI_DISPATCH_USE=${label}: no such account (accounts: ${known.join(", ") || "none"}).`, "warning");
		return;
	}
	supervisor.pin(env.sessionKey, account.id);
}

/** pi's stored Codex login becomes the pool's first account, said in one line. */
async function takePiLogin(env: CommandEnv, supervisor: Supervisor, scan: ImportScan): Promise<boolean> {
	const login = scan.logins.find((l) => l.source === "pi");
	if (!login) return false;
	const outcome = await saveLogin(supervisor.store, login, { keepExisting: true });
	await supervisor.reload();
	// Another pi process took it a moment ago: that one said so.
	if (outcome.kind === "kept") return true;
	env.ui.notify(
		`pi-dispatch took over pi's ChatGPT login (${loginWho(login)}) as ${outcome.label}; it refreshes that login from now on.`,
		"info",
	);
	return true;
}

function offerCodexCliLogin(env: CommandEnv, supervisor: Supervisor, scan: ImportScan): void {
	const found = scan.logins
		.map((l) => `${sourceName(l)}${l.identity.email ? ` (${l.identity.email})` : ""}`)
		.join(" and ");
	if (!env.ui.hasDialogs) {
		env.ui.notify(`pi-dispatch has no accounts yet; found ${found}. Run /dispatch-import to use it.`, "info");
		return;
	}
	// Not awaited: a dialog must not hold up pi's startup (an RPC client may never answer it).
	void env.ui
		.confirm("Import your ChatGPT login into pi-dispatch?", `pi-dispatch has no accounts yet. Found ${found}.`)
		.then((yes) => (yes ? importLogins(env, supervisor, { ...scan, problems: [] }) : undefined))
		.catch((error: unknown) => {
			try {
				env.ui.notify(`/dispatch-import: ${safeOneLine(describeError(error))}`, "error");
			} catch {
				// The session is gone already.
			}
		});
}
