/**
 * npm run demo: pi with pi-dispatch against the bundled fake Codex backend, with three fake
 * accounts (one spent for the week, one fresh, one half used), so a newcomer sees a failover and
 * /dispatch-status without an account of their own. Nothing leaves the machine.
 *
 *   node scripts/demo.ts           interactive pi
 *   node scripts/demo.ts --check   one prompt and /dispatch-status in print mode; exit 0/1
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { accountIdentity } from "../src/auth/jwt.ts";
import type { AccountRecord, SharedAccountState } from "../src/store/account-record.ts";
import { AccountStore } from "../src/store/account-store.ts";
import { DEMO_TEXT, type FakeCodex, setupDemo, startFakeCodex } from "../test/fake-codex/index.ts";
import { offlinePiEnv } from "../test/helpers/offline-pi-env.ts";
import { PI_CODEX_MODEL, PI_PACKAGE } from "../test/helpers/pi-under-test.ts";
import { failoverNoticeLine } from "../test/helpers/shown-time.ts";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const PI = join(PI_PACKAGE, "dist/cli.js");
const EXTENSION = join(REPO, "src/index.ts");
const MODEL = PI_CODEX_MODEL;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Demo label per fake account, and what the pool "last saw" of it. */
const ACCOUNTS: Record<string, { label: string; seen: (now: number) => SharedAccountState["usage"] }> = {
	// Seen at 97% a minute ago: its week resets soonest, so the pool tries it first and fails over.
	"acct-exhausted": { label: "spent", seen: (now) => usage(now - 60_000, 0, 97, now + 2 * HOUR) },
	"acct-fresh": { label: "fresh", seen: (now) => usage(now, 2, 1, now + 5 * DAY) },
	"acct-half": { label: "half", seen: (now) => usage(now, 0, 50, now + 3 * DAY) },
};

const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });

const fake = await startFakeCodex();
const root = await mkdtemp(join(tmpdir(), "pi-dispatch-demo-"));
let cleaned = false;
const cleanup = async () => {
	if (cleaned) return;
	cleaned = true;
	await fake.close().catch(() => undefined);
	await rm(root, { recursive: true, force: true }).catch(() => undefined);
};

try {
	const env = await prepare(fake, root);
	process.exitCode = values.check ? await check(env) : await interactive(env);
} catch (error) {
	process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exitCode = 1;
} finally {
	await cleanup();
}

async function prepare(fake: FakeCodex, root: string): Promise<NodeJS.ProcessEnv> {
	const demo = setupDemo(fake);
	// The fresh account has been used a little, matching what the pool "saw" of it.
	fake.setUsage("acct-fresh", { primary: { usedPercent: 2 }, secondary: { usedPercent: 1 } });
	const home = join(root, "dispatch");
	const agentDir = join(root, "pi-agent");
	const codexHome = join(root, "codex");
	await Promise.all([mkdir(agentDir), mkdir(codexHome)]);
	const now = Date.now();
	await new AccountStore({ home }).update((data) => {
		for (const { accountId, tokens } of demo) {
			const identity = accountIdentity(tokens.access, tokens.idToken);
			const record: AccountRecord = {
				id: accountId,
				label: ACCOUNTS[accountId]?.label ?? accountId,
				...(identity.email ? { email: identity.email } : {}),
				...(identity.plan ? { plan: identity.plan } : {}),
				credentials: {
					access: tokens.access,
					refresh: tokens.refresh,
					expiresAt: tokens.expiresAt,
					idToken: tokens.idToken,
				},
				addedAt: now,
				updatedAt: now,
			};
			data.accounts.push(record);
			const seen = ACCOUNTS[accountId]?.seen(now);
			if (seen) data.state[accountId] = { usage: seen };
		}
	});
	return offlinePiEnv(fake, { home, agentDir, codexHome });
}

async function interactive(env: NodeJS.ProcessEnv): Promise<number> {
	process.stdout.write(
		[
			"",
			"pi-dispatch demo: pi talks to a fake Codex backend with three fake accounts:",
			"  spent  (its week is used up)   fresh   half  (half its week used)",
			"",
			"Try:  say hi            the pool tries 'spent' first, sees the quota error and fails over",
			"      /dispatch-status  the accounts, their quota and their health",
			"      /dispatch-use     pin an account for this session",
			"Quit with ctrl+d. Everything is temporary and deleted on exit.",
			"",
		].join("\n"),
	);
	// Ctrl+C belongs to pi (it clears the editor); the demo must outlive it to clean up.
	const ignore = () => undefined;
	process.on("SIGINT", ignore);
	try {
		const child = spawn(process.execPath, [PI, ...piArgs([])], { env, stdio: "inherit" });
		// A closed terminal or a kill reaches pi too; the demo cleans up once pi is gone.
		for (const signal of ["SIGTERM", "SIGHUP"] as const) process.once(signal, () => child.kill(signal));
		return await new Promise<number>((resolve, reject) => {
			child.on("error", reject);
			child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
		});
	} finally {
		process.off("SIGINT", ignore);
	}
}

async function check(env: NodeJS.ProcessEnv): Promise<number> {
	// pi's auto-retry would only slow a failing check down.
	await writeFile(
		join(env.PI_CODING_AGENT_DIR ?? root, "settings.json"),
		JSON.stringify({ retry: { enabled: false } }),
	);
	const prompt = await runPrint(env, "say hi");
	const status = await runPrint(env, "/dispatch-status");
	const report = (title: string, result: PrintResult) =>
		process.stdout.write(
			`--- ${title} (exit ${result.code}, ${result.ms} ms)\n${result.stdout}${result.stderr ? `[stderr]\n${result.stderr}` : ""}`,
		);
	report('pi -p "say hi"', prompt);
	report('pi -p "/dispatch-status"', status);
	const problems = [
		prompt.code !== 0 && "the prompt failed",
		!prompt.stdout.includes(DEMO_TEXT) && "the prompt's answer is not the demo text",
		!failoverNoticeLine("spent", String.raw`\w+`).test(prompt.stderr) && "no failover notice",
		status.code !== 0 && "/dispatch-status failed",
		!["spent", "fresh", "half"].every((label) => new RegExp(`^${label}\\s`, "m").test(status.stdout)) &&
			"/dispatch-status does not list the three accounts",
	].filter((p): p is string => typeof p === "string");
	process.stdout.write(
		problems.length === 0 ? "--- demo check: ok\n" : `--- demo check FAILED: ${problems.join("; ")}\n`,
	);
	return problems.length === 0 ? 0 : 1;
}

interface PrintResult {
	code: number | null;
	stdout: string;
	stderr: string;
	ms: number;
}

function runPrint(env: NodeJS.ProcessEnv, prompt: string): Promise<PrintResult> {
	const started = Date.now();
	const child = spawn(process.execPath, [PI, ...piArgs(["-p", prompt])], { env, stdio: ["ignore", "pipe", "pipe"] });
	let stdout = "";
	let stderr = "";
	child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
	child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
	const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("close", (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr, ms: Date.now() - started });
		});
	});
}

function piArgs(extra: string[]): string[] {
	return ["--no-session", "-ne", "-e", EXTENSION, "--model", MODEL, ...extra];
}

function usage(
	observedAt: number,
	primary: number,
	weekly: number,
	weeklyResetsAt: number,
): SharedAccountState["usage"] {
	return {
		primary: { usedPercent: primary, windowMinutes: 300, resetsAt: observedAt + 3 * HOUR },
		secondary: { usedPercent: weekly, windowMinutes: 10080, resetsAt: weeklyResetsAt },
		planType: "plus",
		observedAt,
		source: "poll",
	};
}
