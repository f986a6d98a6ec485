/**
 * Everything an end-to-end test needs around the real `pi`: the fake Codex backend (responses,
 * usage, OAuth), temporary state folders, and the environment that points pi and pi-dispatch at
 * them. Nothing here talks to the internet or touches the user's own pi, Codex or browser.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "vitest";
import { AccountStore } from "../../../src/store/account-store.ts";
import type { UsageSnapshot } from "../../../src/usage/usage-snapshot.ts";
import { type FakeAccountInit, type FakeCodex, type FakeTokens, startFakeCodex } from "../../fake-codex/index.ts";
import { seedAccounts } from "../../helpers/dispatch-harness.ts";
import { offlinePiEnv } from "../../helpers/offline-pi-env.ts";
import { PI_CODEX_MODEL, PI_PACKAGE } from "../../helpers/pi-under-test.ts";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
export const PI_CLI = join(PI_PACKAGE, "dist/cli.js");
export const EXTENSION = join(REPO, "src/index.ts");
export const MODEL = PI_CODEX_MODEL;

export interface PiWorld {
	fake: FakeCodex;
	root: string;
	home: string;
	agentDir: string;
	codexHome: string;
	store: AccountStore;
	env: NodeJS.ProcessEnv;
	tokens: Map<string, FakeTokens>;
	/** Adds accounts to the fake and to the store (labels default to the account ids). */
	seed(accounts: FakeAccountInit[], labels?: string[]): Promise<void>;
	/** Writes pi's auth.json with an `openai-codex` login of this fake account (or one that expired). */
	writePiLogin(accountId: string, opts?: { expired?: boolean }): Promise<void>;
	/** pi's auth.json as it is now. */
	readPiAuth(): Promise<Record<string, unknown>>;
	/** Writes the Codex CLI's auth.json with a login of this fake account. */
	writeCodexLogin(accountId: string): Promise<void>;
	/** Every token the fake minted so far, to check that none reached the screen. */
	secrets(): string[];
	close(): Promise<void>;
}

export async function createPiWorld(): Promise<PiWorld> {
	const fake = await startFakeCodex();
	const root = await mkdtemp(join(tmpdir(), "pi-dispatch-e2e-"));
	const home = join(root, "dispatch");
	const agentDir = join(root, "agent");
	const codexHome = join(root, "codex");
	await Promise.all([mkdir(agentDir), mkdir(codexHome)]);
	// pi's own auto-retry would resend a failed prompt after 2, 4 and 8 s; the tests look at one attempt.
	await writeFile(join(agentDir, "settings.json"), JSON.stringify({ retry: { enabled: false } }));
	const store = new AccountStore({ home });
	const tokens = new Map<string, FakeTokens>();
	const minted: FakeTokens[] = [];
	const env: NodeJS.ProcessEnv = {
		...offlinePiEnv(fake, { home, agentDir, codexHome }),
		PI_DISPATCH_CALLBACK_PORT: "0",
		// No browser may open from a test (the test plays the browser): xdg-open, where installed,
		// runs $BROWSER, and `true` does nothing.
		BROWSER: "true",
		DISPLAY: "",
	};
	return {
		fake,
		root,
		home,
		agentDir,
		codexHome,
		store,
		env,
		tokens,
		async seed(accounts, labels) {
			await seedAccounts(store, fake, { accounts, ...(labels ? { labels } : {}) }, tokens);
			minted.push(...tokens.values());
		},
		async writePiLogin(accountId, opts = {}) {
			const login = fake.issueTokens(accountId);
			minted.push(login);
			const entry = {
				type: "oauth",
				access: login.access,
				refresh: login.refresh,
				expires: opts.expired ? Date.now() - 60_000 : login.expiresAt,
				accountId,
			};
			await writeFile(join(agentDir, "auth.json"), JSON.stringify({ "openai-codex": entry }), { mode: 0o600 });
		},
		async readPiAuth() {
			return JSON.parse(await readFile(join(agentDir, "auth.json"), "utf8"));
		},
		async writeCodexLogin(accountId) {
			const login = fake.issueTokens(accountId);
			minted.push(login);
			const tokens = {
				access_token: login.access,
				refresh_token: login.refresh,
				id_token: login.idToken,
				account_id: accountId,
			};
			await writeFile(join(codexHome, "auth.json"), JSON.stringify({ OPENAI_API_KEY: null, tokens }), {
				mode: 0o600,
			});
		},
		secrets() {
			return [...minted, ...tokens.values()].flatMap((t) => [t.access, t.refresh, t.idToken]);
		},
		async close() {
			await fake.close();
			await rm(root, { recursive: true, force: true });
		},
	};
}

/** vitest's `it` where each test gets its own backend and folders, so the tests can run side by side. */
export const itWithWorld = it.extend<{ world: PiWorld }>({
	// biome-ignore lint/correctness/noEmptyPattern: vitest fixtures must destructure their context
	world: async ({}, use) => {
		const world = await createPiWorld();
		await use(world);
		await world.close();
	},
});

/** What the pool "last saw" of an account, so routing is decided before any usage poll lands. */
export function seenUsage(weeklyPercent: number, weeklyResetsInMs: number): UsageSnapshot {
	const now = Date.now();
	return {
		primary: { usedPercent: 0, windowMinutes: 300, resetsAt: now + 3 * 3_600_000 },
		secondary: { usedPercent: weeklyPercent, windowMinutes: 10080, resetsAt: now + weeklyResetsInMs },
		planType: "plus",
		observedAt: now,
		source: "poll",
	};
}

export function piArgs(extra: readonly string[]): string[] {
	return [PI_CLI, "--no-session", "-ne", "-e", EXTENSION, "--model", MODEL, ...extra];
}

export interface PrintResult {
	code: number | null;
	stdout: string;
	stderr: string;
	/** Wall time from spawn to exit. */
	ms: number;
	/** From the last byte on stdout to exit: how long pi lingered after answering. */
	exitAfterOutputMs: number | undefined;
}

/**
 * `pi -p <prompt>`: one shot, stdin closed. Kills pi if it outlives `timeoutMs`: a guard, not a
 * measure (a file of concurrent tests starts ~10 pi processes on two cores: 12 s each was seen at
 * rest, 21 s under load); how promptly pi exits is asserted through `exitAfterOutputMs`.
 */
export function runPrint(
	world: PiWorld,
	prompt: string,
	timeoutMs = 45_000,
	/** More extensions for pi to load beside pi-dispatch (test probes). */
	extensions: readonly string[] = [],
): Promise<PrintResult> {
	return runNode(world, piArgs([...extensions.flatMap((e) => ["-e", e]), "-p", prompt]), { timeoutMs });
}

/**
 * `node <argv>` in the world's folder with its environment (or `env`), stdin closed; killed if it
 * outlives `timeoutMs`, as `runPrint` says.
 */
export function runNode(
	world: PiWorld,
	argv: readonly string[],
	{ env = world.env, timeoutMs = 45_000 }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<PrintResult> {
	const started = Date.now();
	const child = spawn(process.execPath, argv, { env, cwd: world.root, stdio: ["ignore", "pipe", "pipe"] });
	let stdout = "";
	let stderr = "";
	let lastOutput: number | undefined;
	child.stdout.setEncoding("utf8").on("data", (d: string) => {
		stdout += d;
		lastOutput = Date.now();
	});
	child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
	const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("close", (code) => {
			clearTimeout(timer);
			const now = Date.now();
			resolve({ code, stdout, stderr, ms: now - started, exitAfterOutputMs: lastOutput && now - lastOutput });
		});
	});
}
