/**
 * A real supervisor with real worker-thread actors, pi-ai's real Codex client, a real store in a
 * temp folder, and the fake Codex backend on loopback. What the core tests and benches stand on.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	type AssistantMessage,
	type AssistantMessageEvent,
	type AssistantMessageEventStream,
	type Context,
	createAssistantMessageEventStream,
	getModel,
	type SimpleStreamOptions,
	streamSimpleOpenAICodexResponses,
} from "@earendil-works/pi-ai/compat";
import { CODEX_CLIENT_ID, CODEX_SCOPE } from "../../src/auth/auth-endpoints.ts";
import type { CodexClient } from "../../src/dispatch/dispatcher.ts";
import { unwrapCodexClient } from "../../src/pi/unwrapped-codex-client.ts";
import { createRuntime, type DispatchRuntime } from "../../src/runtime.ts";
import type { AccountRecord } from "../../src/store/account-record.ts";
import { AccountStore } from "../../src/store/account-store.ts";
import type { PoolStore } from "../../src/store/pool-store.ts";
import type { Supervisor } from "../../src/supervisor/supervisor.ts";
import type { SupervisorOptions } from "../../src/supervisor/supervisor-options.ts";
import { type FakeAccountInit, type FakeCodex, type FakeTokens, startFakeCodex } from "../fake-codex/index.ts";
import { CODEX_MODEL_ID } from "./pi-under-test.ts";

/** pi's default Codex model (the catalog changes between pi versions). */
export const TEST_MODEL_ID = CODEX_MODEL_ID;

/** pi-ai's Codex client as pi-dispatch runs it in pi (see src/pi/unwrapped-codex-client.ts). */
export const piCodexClient: CodexClient = unwrapCodexClient({
	streamSimple: streamSimpleOpenAICodexResponses,
	createStream: createAssistantMessageEventStream,
});

export interface Harness {
	fake: FakeCodex;
	home: string;
	store: AccountStore;
	runtime: DispatchRuntime;
	supervisor: Supervisor;
	tokens: Map<string, FakeTokens>;
	/** Streams one user prompt through the dispatcher and collects everything. */
	ask(prompt: string | Context, options?: SimpleStreamOptions): Promise<Collected>;
	/** `ask` with another model id (the same Codex model otherwise), e.g. one with a per-model limit. */
	askModel(modelId: string, prompt: string | Context, options?: SimpleStreamOptions): Promise<Collected>;
	/** The raw stream, for tests that act mid-stream. */
	stream(prompt: string | Context, options?: SimpleStreamOptions): AssistantMessageEventStream;
	close(): Promise<void>;
}

export interface Collected {
	events: AssistantMessageEvent[];
	message: AssistantMessage;
	text: string;
}

export interface HarnessOptions {
	accounts: FakeAccountInit[];
	/** Labels default to the account ids. */
	labels?: string[];
	supervisor?: Partial<SupervisorOptions>;
	/** Edit records before they are stored (e.g. near-expiry tokens). */
	editRecord?: (record: AccountRecord) => void;
	fake?: FakeCodex;
	/** pi-ai transport for the dispatcher (default "sse"). */
	transport?: "sse" | "websocket" | "auto";
	/**
	 * Poll every account's usage before the first request (default true), so the policy sees real
	 * usage; this activates every actor. False leaves the pool dormant, as a fresh pi process finds it.
	 */
	pollUsageFirst?: boolean;
	/** pi-ai's Codex client as the dispatcher gets it (default: this pi-ai's own). */
	client?: CodexClient;
}

/** A fake account with nothing used in its 5-hour window. */
export const freshAccount = (accountId: string) => ({
	accountId,
	primary: { usedPercent: 0, windowMinutes: 300, resetsInSeconds: 3600 },
});

/** A fake account with some usage: the policy prefers the one whose weekly window resets soonest. */
export const usedAccount = (accountId: string, weekly: number, weeklyResetHours: number) => ({
	accountId,
	primary: { usedPercent: 10, windowMinutes: 300, resetsInSeconds: 3600 },
	secondary: { usedPercent: weekly, windowMinutes: 10_080, resetsInSeconds: weeklyResetHours * 3600 },
});

/** Millisecond-scale settings so tests need no long waits; timing is never asserted. */
export const FAST_ACTOR = {
	refreshMarginMs: 60_000,
	usageTtlMs: 60_000,
	usagePollMs: 60_000,
	fallbackCooldownMs: 60_000,
	usagePersistMs: 0,
	refreshRetries: 2,
	retryMinTimeoutMs: 10,
};

export async function startHarness(options: HarnessOptions): Promise<Harness> {
	const fake = options.fake ?? (await startFakeCodex());
	const home = await mkdtemp(join(tmpdir(), "pi-dispatch-test-"));
	const store = new AccountStore({ home });
	const tokens = new Map<string, FakeTokens>();
	await seedAccounts(store, fake, options, tokens);
	const runtime = createRuntime(
		options.client ?? piCodexClient,
		{
			home,
			codexBaseUrl: fake.baseUrl,
			baseUrlOverride: fake.baseUrl,
			auth: {
				tokenUrl: fake.tokenUrl,
				authorizeUrl: fake.authorizeUrl,
				clientId: CODEX_CLIENT_ID,
				redirectUri: "http://localhost:1455/auth/callback",
				scope: CODEX_SCOPE,
			},
			...(options.transport ? { transport: options.transport } : {}),
		},
		{ actor: FAST_ACTOR, restart: { backoffMs: 10 }, random: () => 0, ...options.supervisor },
	);
	const supervisor = await runtime.supervisor();
	if (options.pollUsageFirst !== false) {
		await supervisor.refreshUsage();
		await until(() => supervisor.accounts().every((view) => view.snapshot.usage || view.snapshot.lastError));
	}
	const model = { ...getModel("openai-codex", TEST_MODEL_ID as never), baseUrl: fake.baseUrl };
	return {
		fake,
		home,
		store,
		runtime,
		supervisor,
		tokens,
		ask: (prompt, streamOptions) =>
			collect(runtime.dispatcher.stream(model, toContext(prompt) as never, streamOptions)),
		askModel: (modelId, prompt, streamOptions) =>
			collect(runtime.dispatcher.stream({ ...model, id: modelId }, toContext(prompt) as never, streamOptions)),
		stream: (prompt, streamOptions) => runtime.dispatcher.stream(model, toContext(prompt) as never, streamOptions),
		async close() {
			await runtime.stop();
			if (!options.fake) await fake.close();
			await rm(home, { recursive: true, force: true });
		},
	};
}

export async function seedAccounts(
	store: PoolStore,
	fake: FakeCodex,
	options: Pick<HarnessOptions, "accounts" | "labels" | "editRecord">,
	tokens: Map<string, FakeTokens> = new Map(),
): Promise<Map<string, FakeTokens>> {
	await store.update((data) => {
		options.accounts.forEach((init, index) => {
			const minted = fake.addAccount(init);
			tokens.set(init.accountId, minted);
			const record: AccountRecord = {
				id: init.accountId,
				label: options.labels?.[index] ?? init.accountId,
				plan: init.plan ?? "plus",
				credentials: {
					access: minted.access,
					refresh: minted.refresh,
					expiresAt: minted.expiresAt,
					idToken: minted.idToken,
				},
				addedAt: Date.now(),
				updatedAt: Date.now(),
			};
			options.editRecord?.(record);
			data.accounts.push(record);
		});
	});
	return tokens;
}

export function toContext(prompt: string | Context): Context {
	if (typeof prompt !== "string") return prompt;
	return { systemPrompt: "test", messages: [{ role: "user", content: prompt, timestamp: Date.now() }] };
}

export async function collect(stream: AsyncIterable<AssistantMessageEvent>): Promise<Collected> {
	const events: AssistantMessageEvent[] = [];
	for await (const event of stream) events.push(event);
	const last = events.at(-1);
	if (!last || (last.type !== "done" && last.type !== "error")) throw new Error("stream ended without done/error");
	const message = last.type === "done" ? last.message : last.error;
	const text = events.flatMap((e) => (e.type === "text_delta" ? [e.delta] : [])).join("");
	return { events, message, text };
}

/** Polls `ready` every 10 ms; rejects after `timeoutMs` (a failure deadline, not a measurement). */
export async function until(ready: () => boolean, timeoutMs = 15_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!ready()) {
		if (Date.now() > deadline) throw new Error("condition not met in time");
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/** Which accounts the fake saw on the responses route, in order. */
export function responseAccounts(fake: FakeCodex): (string | undefined)[] {
	return fake.requests.filter((r) => r.route === "responses" && !r.upgrade).map((r) => r.accountId);
}
