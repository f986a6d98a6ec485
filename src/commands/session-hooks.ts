/**
 * Session start: make sure the supervisor runs (idempotent; a bad accounts file is reported by the
 * glue in one line), and on the first start with an empty pool offer the login pi or the Codex CLI
 * already has: a confirm dialog where dialogs exist, a one-line hint otherwise.
 */

import { readPiAuthLogin } from "../auth/import-sources.ts";
import { describeError } from "../errors.ts";
import type { DispatchRuntime } from "../runtime.ts";
import type { CommandEnv } from "./command-env.ts";
import { importLogins, scanImportSources, sourceName } from "./import.ts";
import { safeOneLine } from "./text-format.ts";

/** Runtimes that already offered an import: ask once per pi process, not on every /new. */
const offered = new WeakSet<DispatchRuntime>();
/** Runtimes that already warned about pi's own Codex login. */
const warned = new WeakSet<DispatchRuntime>();

export async function onSessionStart(env: CommandEnv): Promise<void> {
	const supervisor = await env.runtime.supervisor();
	// The TUI's footer shows usage: an interactive session takes its share of the stale accounts'
	// polls now (in the background). Print and RPC runs leave them to the pool's tick.
	if (env.ui.mode === "tui")
		void supervisor.refreshUsage(undefined, supervisor.activation.pollsPerTick).catch(() => undefined);
	if (supervisor.accounts().length > 0)
		return warnAboutPiLogin(
			env,
			supervisor.accounts().map((a) => a.id),
		);
	if (offered.has(env.runtime)) return;
	offered.add(env.runtime);
	// A broken source file is for /dispatch-import to explain; startup stays quiet about it.
	const scan = await scanImportSources(env).catch(() => undefined);
	if (!scan || scan.logins.length === 0) return;
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

/**
 * pi resolves its own stored `openai-codex` login before it calls pi-dispatch: it refreshes that
 * copy (spending a single-use refresh token the pool may share) and stops the request when the
 * refresh fails. Say so once per process while both exist.
 */
async function warnAboutPiLogin(env: CommandEnv, poolIds: string[]): Promise<void> {
	if (warned.has(env.runtime)) return;
	warned.add(env.runtime);
	const login = await readPiAuthLogin(env.piAgentDir).catch(() => undefined);
	if (!login) return;
	const shared = poolIds.includes(login.identity.accountId);
	env.ui.notify(
		shared
			? "pi-dispatch: pi still keeps its own copy of a pooled Codex login and refreshes it separately; run /logout in pi (OpenAI ChatGPT) so the two copies do not log each other out."
			: "pi-dispatch: pi has its own Codex login too and checks it before every Codex request; /dispatch-import it, then /logout in pi, so a failing refresh there cannot block the pool.",
		"warning",
	);
}
