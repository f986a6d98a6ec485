/**
 * /dispatch-cap [<label>|--all <5h|weekly> <N%|off> [--hard]]: stop routing to an account once a
 * window reaches N % (some quota kept for ChatGPT or the Codex app). Stored in the pool, so every
 * process follows. A soft cap is crossed when nothing else can serve; a `--hard` one never.
 */
import { type CapRule, type CapSettings, capFor, parseCapPercent, parseCapWindow, withCap } from "../quota/caps.ts";
import { CAP_WINDOWS } from "../store/pool-settings.ts";
import { completeLabels, requireLabel } from "./account-lookup.ts";
import type { DispatchCommand } from "./command-env.ts";
import { CommandUsageError } from "./command-errors.ts";

export const CAP_USAGE =
	"Usage: /dispatch-cap <label>|--all <5h|weekly> <N%|off> [--hard], e.g. /dispatch-cap work weekly 90%.";

export interface CapRequest {
	target: { all: true } | { label: string };
	window: "5h" | "weekly";
	/** undefined: remove the cap. */
	rule: CapRule | undefined;
}

/** Parses the arguments of a cap change; CommandUsageError when they do not make one. */
export function parseCapRequest(args: string): CapRequest {
	const words = args.split(/\s+/).filter(Boolean);
	const hard = words.includes("--hard");
	const rest = words.filter((w) => w !== "--hard");
	if (rest.length !== 3) throw new CommandUsageError(CAP_USAGE);
	const [who, windowText, percentText] = rest as [string, string, string];
	const window = parseCapWindow(windowText);
	const percent = parseCapPercent(percentText);
	if (!window || percent === undefined) throw new CommandUsageError(CAP_USAGE);
	if (percent === null && hard) throw new CommandUsageError(CAP_USAGE);
	return {
		target: who === "--all" ? { all: true } : { label: who },
		window,
		rule: percent === null ? undefined : { percent, ...(hard ? { hard: true } : {}) },
	};
}

/** One line per account and window in force, plus the pool-wide caps. */
export function capLines(caps: CapSettings | undefined, accounts: readonly { id: string; label: string }[]): string[] {
	const lines: string[] = [];
	const rule = (r: CapRule) => `${r.percent} %${r.hard ? " (hard)" : ""}`;
	for (const window of CAP_WINDOWS) {
		const all = caps?.all?.[window];
		if (all) lines.push(`all accounts, ${window}: ${rule(all)}`);
	}
	for (const account of accounts) {
		for (const window of CAP_WINDOWS) {
			const own = caps?.accounts?.[account.id]?.[window];
			if (own) lines.push(`${account.label}, ${window}: ${rule(own)}`);
		}
	}
	return lines;
}

/** The caps in force per account, by label (`--json`). */
export function capsByLabel(
	caps: CapSettings | undefined,
	accounts: readonly { id: string; label: string }[],
): Record<string, Partial<Record<"5h" | "weekly", CapRule>>> {
	const out: Record<string, Partial<Record<"5h" | "weekly", CapRule>>> = {};
	for (const account of accounts) {
		const windows: Partial<Record<"5h" | "weekly", CapRule>> = {};
		for (const window of CAP_WINDOWS) {
			const r = capFor(caps, account.id, window);
			if (r) windows[window] = r;
		}
		out[account.label] = windows;
	}
	return out;
}

export function capCommand(): DispatchCommand {
	return {
		name: "dispatch-cap",
		description: "Keep quota back: /dispatch-cap <label>|--all <5h|weekly> <N%|off> [--hard]",
		complete: (prefix, env) => ["--all", ...completeLabels(prefix, env.runtime)].filter((w) => w.startsWith(prefix)),
		async run(args, env) {
			const supervisor = await env.runtime.supervisor();
			if (args !== "") {
				const request = parseCapRequest(args);
				const target =
					"all" in request.target
						? ({ all: true } as const)
						: { accountId: requireLabel(supervisor.accounts(), request.target.label).id };
				await supervisor.updateSettings((settings) => {
					const caps = withCap(settings.caps, target, request.window, request.rule);
					if (Object.keys(caps).length > 0) settings.caps = caps;
					else delete settings.caps;
				});
			}
			const lines = capLines(supervisor.settings().caps, supervisor.accounts());
			env.ui.notify(
				lines.length > 0
					? `Caps: ${lines.join("; ")}. A soft cap is crossed only when no other account can serve.`
					: "No caps: every account is used up to its plan's limit (/dispatch-cap <label>|--all <5h|weekly> <N%>).",
				"info",
			);
		},
	};
}
