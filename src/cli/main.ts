/**
 * `pi-dispatch status|login|import|remove|use|cap|recheck`: the pool without opening pi, on the
 * same state folder as every pi process (PI_DISPATCH_HOME, else <pi agent dir>/pi-dispatch). The
 * commands are the extension's own, run with a shell UI; read commands take `--json`.
 */

import { requireLabel } from "../commands/account-lookup.ts";
import { alertsCommand } from "../commands/alerts.ts";
import { capCommand, capsByLabel } from "../commands/cap.ts";
import type { CommandEnv, CommandRuntime, DispatchCommand } from "../commands/command-env.ts";
import { importCommand } from "../commands/import.ts";
import { loginCommand } from "../commands/login.ts";
import { recheckAccounts, recheckCommand } from "../commands/recheck.ts";
import { removeCommand } from "../commands/remove.ts";
import { statusCommand, statusInput } from "../commands/status.ts";
import { statusJson } from "../commands/status-table.ts";
import { safeOneLine } from "../commands/text-format.ts";
import { piAgentDir, resolveConfig } from "../config.ts";
import { describeError, NoAccountsError } from "../errors.ts";
import { recordUsageHistory } from "../quota/history-recorder.ts";
import { Supervisor } from "../supervisor/supervisor.ts";
import { cliUI, STDIO, StdinLines, shellWords } from "./cli-ui.ts";
import { useInShell } from "./use-in-shell.ts";

const HELP = `Usage: pi-dispatch <command> [arguments]

  status [--json]                  accounts, usage, burn rate and the pool's runway
  status --history <label> [--json]  the account's last 7 days of weekly usage
  login [label]                    add a ChatGPT account: open the URL, paste the redirect here
  import [path] [--yes]            take pi's or the Codex CLI's login
  remove <label> [--yes]           forget an account
  use <label> [--json]             prints PI_DISPATCH_USE=<label>: pi started with it uses that account
  cap [--json]                     the caps in force
  cap <label>|--all <5h|weekly> <N%|off> [--hard]
  recheck [label] [--json]         ask the service for usage now; ends a cooldown that is over
  alerts [on|off|<percent> …]      the quota alerts pi shows (default 50 25 10)

The pool is the one pi uses: $PI_DISPATCH_HOME, else <pi agent dir>/pi-dispatch.`;

/** Shell sessions are not pi sessions: a fixed key (pins made here end with the process anyway). */
const SESSION_KEY = "pi-dispatch-shell";

class UsageError extends Error {}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
	const [name, ...rest] = argv;
	if (name === undefined || name === "help" || name === "--help" || name === "-h") {
		STDIO.out(`${HELP}\n`);
		return name === undefined ? 2 : 0;
	}
	const json = rest.includes("--json");
	const args = rest.filter((a) => a !== "--json");
	const stdin = new StdinLines();
	const runtime = shellRuntime(env);
	const commandEnv: CommandEnv = {
		runtime,
		ui: cliUI(stdin),
		sessionKey: SESSION_KEY,
		piAgentDir: piAgentDir(env),
		...(env.CODEX_HOME ? { codexHome: env.CODEX_HOME } : {}),
	};
	try {
		await run(name, args, json, commandEnv);
		return 0;
	} catch (error) {
		const usage = error instanceof UsageError || (error as { code?: string }).code === "E_COMMAND_USAGE";
		STDIO.err(`pi-dispatch ${name}: ${shellWords(safeOneLine(describeError(error)))}\n`);
		return usage ? 2 : 1;
	} finally {
		stdin.close();
		await runtime.stop();
	}
}

async function run(name: string, args: string[], json: boolean, env: CommandEnv): Promise<void> {
	const line = args.join(" ");
	const command = (c: DispatchCommand) => c.run(line, env);
	switch (name) {
		case "status":
			return status(args, json, env);
		case "login":
			return command(loginCommand());
		case "import":
			return command(importCommand());
		case "remove":
			return command(removeCommand());
		case "use":
			return useInShell(line, json, env);
		case "cap": {
			if (!json) return command(capCommand());
			if (args.length > 0) await capCommand().run(line, { ...env, ui: { ...env.ui, notify: () => undefined } });
			const supervisor = await env.runtime.supervisor();
			const caps = supervisor.settings().caps;
			STDIO.out(
				`${JSON.stringify({ caps: caps ?? {}, byLabel: capsByLabel(caps, supervisor.accounts()) }, null, 2)}\n`,
			);
			return;
		}
		case "alerts":
			return command(alertsCommand());
		case "recheck": {
			if (!json) return command(recheckCommand());
			const outcomes = await recheckAccounts(await env.runtime.supervisor(), line);
			STDIO.out(`${JSON.stringify(outcomes, null, 2)}\n`);
			return;
		}
		default:
			throw new UsageError(`unknown command "${safeOneLine(name, 40)}"; run pi-dispatch --help.`);
	}
}

async function status(args: string[], json: boolean, env: CommandEnv): Promise<void> {
	if (!json) return statusCommand().run(args.join(" "), env);
	const supervisor = await env.runtime.supervisor();
	if (supervisor.accounts().length === 0) throw new NoAccountsError();
	if (args[0] === "--history" && args.length === 2) {
		const account = requireLabel(supervisor.accounts(), args[1]!);
		const since = Date.now() - 7 * 24 * 60 * 60_000;
		const samples = await supervisor.store.readUsageHistory(account.id, since);
		STDIO.out(
			`${JSON.stringify({ label: account.label, samples: samples.map((s) => ({ ...s, at: new Date(s.at).toISOString() })) }, null, 2)}\n`,
		);
		return;
	}
	if (args.length > 0) throw new UsageError("Usage: pi-dispatch status [--history <label>] [--json].");
	STDIO.out(`${JSON.stringify(statusJson(await statusInput(supervisor, env.sessionKey)), null, 2)}\n`);
}

/** The supervisor alone: the shell sends no requests, so no dispatcher (and nothing of pi is loaded). */
function shellRuntime(env: NodeJS.ProcessEnv): CommandRuntime & { stop(): Promise<void> } {
	const config = resolveConfig(env);
	let starting: Promise<Supervisor> | undefined;
	let started: Supervisor | undefined;
	return {
		config,
		supervisor: () => {
			starting ??= Supervisor.start({
				home: config.home,
				codexBaseUrl: config.codexBaseUrl,
				auth: config.auth,
				...(config.credits ? { credits: config.credits } : {}),
			}).then((s) => {
				started = s;
				recordUsageHistory(s);
				return s;
			});
			return starting;
		},
		running: () => started,
		async stop() {
			const s = started ?? (await starting?.catch(() => undefined));
			await s?.stop(2000);
		},
	};
}
