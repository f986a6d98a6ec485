/**
 * The real thing under test: a supervisor with one worker-thread actor per account, the dispatcher,
 * pi-ai's Codex client and a store in a temp folder, all pointed at the forked fake upstream.
 * Production actor settings (not the tests' millisecond ones), so the numbers are what pi sees.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AssistantMessageEventStream, SimpleStreamOptions, TranscriptContext } from "@earendil-works/pi-ai";
import { CODEX_CLIENT_ID, CODEX_SCOPE } from "../../src/auth/auth-endpoints.ts";
import type { CodexTransport, DispatchConfig } from "../../src/config.ts";
import { createRuntime, type DispatchRuntime } from "../../src/runtime.ts";
import type { AccountRecord, SharedAccountState } from "../../src/store/account-record.ts";
import { AccountStore } from "../../src/store/account-store.ts";
import type { Supervisor } from "../../src/supervisor/supervisor.ts";
import type { SupervisorOptions } from "../../src/supervisor/supervisor-options.ts";
import { piCodexClient } from "../../test/helpers/dispatch-harness.ts";
import { benchModel, type CodexModel } from "./client.ts";
import type { Upstream } from "./upstream.ts";
import type { AccountTokens } from "./upstream-protocol.ts";
import { sleep, waitUntil } from "./wait.ts";

export interface Rig {
	home: string;
	runtime: DispatchRuntime;
	supervisor: Supervisor;
	model: CodexModel;
	/** ms from `Supervisor.start` until it resolved (every actor ready). */
	startMs: number;
	stream(context: TranscriptContext, options?: SimpleStreamOptions): AssistantMessageEventStream;
	close(): Promise<void>;
}

export interface RigOptions {
	/** Shared state already in the store (e.g. a cooldown another pi process wrote). */
	shared?: Record<string, SharedAccountState>;
	supervisor?: Partial<SupervisorOptions>;
	/** Quiet time after start-up, before the rig is handed out (default 300 ms). */
	settleMs?: number;
	/** The dispatcher's transport, as `PI_DISPATCH_TRANSPORT` sets it; default: the core's (SSE). */
	transport?: CodexTransport;
}

export async function startRig(upstream: Upstream, accounts: AccountTokens[], options: RigOptions = {}): Promise<Rig> {
	const home = await mkdtemp(join(tmpdir(), "pi-dispatch-bench-"));
	await seedStore(home, accounts, options.shared ?? {});
	const runtime = createRuntime(piCodexClient, rigConfig(upstream, home, options.transport), {
		// Deterministic choice among equals: the first account in the store is tried first.
		random: () => 0,
		...options.supervisor,
	});
	const t0 = performance.now();
	const supervisor = await runtime.supervisor();
	const startMs = performance.now() - t0;
	// Poll every account's usage now (activating its actor) and let the answers reach the store,
	// which the supervisor then reloads: a burst of work that would land on the first samples.
	// Measure the steady state.
	try {
		await supervisor.refreshUsage();
		// 16 actors start in 20 s or more on two cores loaded by other work.
		await waitUntil(
			() => supervisor.accounts().every((view) => view.snapshot.usage || view.snapshot.lastError),
			"the actors' start-up usage polls",
			60_000,
		);
	} catch (error) {
		// Not left running into the next scenario.
		await runtime.stop();
		await rm(home, { recursive: true, force: true });
		throw error;
	}
	await sleep(options.settleMs ?? 300);
	const model = benchModel(upstream.baseUrl);
	return {
		home,
		runtime,
		supervisor,
		model,
		startMs,
		stream: (context, streamOptions) => runtime.dispatcher.stream(model, context, streamOptions),
		async close() {
			await runtime.stop();
			await rm(home, { recursive: true, force: true });
		},
	};
}

export function rigConfig(
	upstream: Pick<Upstream, "baseUrl" | "tokenUrl" | "authorizeUrl">,
	home: string,
	transport?: CodexTransport,
): DispatchConfig {
	return {
		home,
		codexBaseUrl: upstream.baseUrl,
		baseUrlOverride: upstream.baseUrl,
		auth: {
			tokenUrl: upstream.tokenUrl,
			authorizeUrl: upstream.authorizeUrl,
			clientId: CODEX_CLIENT_ID,
			redirectUri: "http://localhost:1455/auth/callback",
			scope: CODEX_SCOPE,
		},
		...(transport ? { transport } : {}),
	};
}

export async function seedStore(
	home: string,
	accounts: AccountTokens[],
	shared: Record<string, SharedAccountState> = {},
): Promise<void> {
	const store = new AccountStore({ home });
	await store.update((data) => {
		for (const { accountId, tokens } of accounts) {
			const record: AccountRecord = {
				id: accountId,
				label: accountId,
				plan: "plus",
				credentials: {
					access: tokens.access,
					refresh: tokens.refresh,
					expiresAt: tokens.expiresAt,
					idToken: tokens.idToken,
				},
				addedAt: Date.now(),
				updatedAt: Date.now(),
			};
			data.accounts.push(record);
		}
		Object.assign(data.state, shared);
	});
}

/** Fresh upstream accounts with a common prefix: acct ids are unique per scenario. */
export function accountInits(prefix: string, count: number) {
	return Array.from({ length: count }, (_, i) => ({ accountId: `${prefix}-${i + 1}` }));
}
