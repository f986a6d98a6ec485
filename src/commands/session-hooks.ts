/**
 * Session start: make sure the supervisor runs (idempotent; a bad accounts file is reported by the
 * glue in one line), and on the first start with an empty pool offer the login pi or the Codex CLI
 * already has: a confirm dialog where dialogs exist, a one-line hint otherwise.
 */
import { describeError } from "../errors.ts";
import type { DispatchRuntime } from "../runtime.ts";
import type { CommandEnv } from "./command-env.ts";
import { importLogins, scanImportSources, sourceName } from "./import.ts";
import { safeOneLine } from "./text-format.ts";

/** Runtimes that already offered an import: ask once per pi process, not on every /new. */
const offered = new WeakSet<DispatchRuntime>();

export async function onSessionStart(env: CommandEnv): Promise<void> {
	const supervisor = await env.runtime.supervisor();
	if (offered.has(env.runtime) || supervisor.accounts().length > 0) return;
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
