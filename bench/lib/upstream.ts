/** Forks the fake upstream (upstream-child.ts) and drives it over IPC. */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { FakeAccountInit, Fault, ResponsePlan, WebSocketMode } from "../../test/fake-codex/index.ts";
import type {
	AccountTokens,
	Hits,
	UpstreamCommand,
	UpstreamReady,
	UpstreamReply,
	UpstreamUrls,
	UsagePatch,
} from "./upstream-protocol.ts";

export interface Upstream extends UpstreamUrls {
	pid: number;
	addAccounts(inits: FakeAccountInit[]): Promise<AccountTokens[]>;
	/** Arms a fault; `times` defaults to every request until cleared. */
	setFault(accountId: string, fault: Fault, times?: number): Promise<void>;
	clearFault(accountId: string): Promise<void>;
	setResponse(plan: ResponsePlan, accountId?: string): Promise<void>;
	setUsage(accountId: string, patch: UsagePatch): Promise<void>;
	/** "serve" answers WebSocket upgrades; "refuse" (the fake's default) answers 426, so pi-ai uses SSE. */
	setWebSocket(mode: WebSocketMode): Promise<void>;
	hits(accountId: string): Promise<Hits>;
	clearLog(): Promise<void>;
	close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL("./upstream-child.ts", import.meta.url));

export async function startUpstream(): Promise<Upstream> {
	const child = fork(CHILD, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
	const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
	let nextId = 1;
	const readyMessage = new Promise<UpstreamReady>((resolve, reject) => {
		child.once("error", reject);
		child.once("exit", (code) => reject(new Error(`fake upstream exited early (${code})`)));
		child.on("message", (message: UpstreamReady | UpstreamReply) => {
			if ("type" in message) return resolve(message);
			const waiter = pending.get(message.id);
			pending.delete(message.id);
			if (message.ok) waiter?.resolve(message.value);
			else waiter?.reject(new Error(`fake upstream: ${message.error}`));
		});
	});
	const ready = await readyMessage;
	child.on("exit", () => {
		for (const waiter of pending.values()) waiter.reject(new Error("fake upstream exited"));
		pending.clear();
	});

	const call = <T>(command: UpstreamCommand): Promise<T> =>
		new Promise<T>((resolve, reject) => {
			const id = nextId++;
			pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
			child.send({ ...command, id });
		});

	return {
		pid: ready.pid,
		origin: ready.origin,
		baseUrl: ready.baseUrl,
		tokenUrl: ready.tokenUrl,
		authorizeUrl: ready.authorizeUrl,
		addAccounts: (inits) => call({ op: "add-accounts", inits }),
		setFault: (accountId, fault, times) =>
			call({ op: "set-fault", accountId, fault, ...(times === undefined ? {} : { times }) }),
		clearFault: (accountId) => call({ op: "clear-fault", accountId }),
		setResponse: (plan, accountId) =>
			call({ op: "set-response", plan, ...(accountId === undefined ? {} : { accountId }) }),
		setUsage: (accountId, patch) => call({ op: "set-usage", accountId, patch }),
		setWebSocket: (mode) => call({ op: "set-websocket", mode }),
		hits: (accountId) => call({ op: "hits", accountId }),
		clearLog: () => call({ op: "clear-log" }),
		close: () => stop(child),
	};
}

async function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = once(child, "exit");
	child.disconnect();
	await exited;
}
