import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer } from "ws";
import { createAccount, currentUsage, patchWindow } from "./accounts.ts";
import { sendJson } from "./http-util.ts";
import { handleAuthorize } from "./oauth-authorize-route.ts";
import { handleToken } from "./oauth-token-route.ts";
import { handleResponses } from "./responses-route.ts";
import type { RouteContext } from "./route-context.ts";
import { FakeState } from "./state.ts";
import type { FakeCodex, StartOptions } from "./types.ts";
import { handleUsage } from "./usage-route.ts";
import { WebSocketHub } from "./websocket-hub.ts";
import { handleUpgrade } from "./websocket-upgrade.ts";

// The HTTP server: routing, socket tracking for crash()/close(), and the
// WebSocket upgrades of the responses path (served or refused, see websocket-upgrade.ts).

type Handler = (ctx: RouteContext) => Promise<void>;

const ROUTES: Record<string, Handler> = {
	"POST /backend-api/codex/responses": handleResponses,
	"GET /backend-api/wham/usage": handleUsage,
	"POST /oauth/token": handleToken,
	"GET /oauth/authorize": handleAuthorize,
};

function dispatch(state: FakeState, req: IncomingMessage, res: ServerResponse, isDown: () => boolean): void {
	const url = new URL(req.url ?? "/", "http://127.0.0.1");
	const handler = ROUTES[`${req.method} ${url.pathname}`];
	const requestId = `req_${randomUUID().replaceAll("-", "")}`;
	if (!handler) {
		const known = Object.keys(ROUTES).some((k) => k.endsWith(` ${url.pathname}`));
		sendJson(res, { status: known ? 405 : 404, body: { detail: known ? "Method Not Allowed" : "Not Found" } });
		return;
	}
	const abort = new AbortController();
	const ctx: RouteContext = { state, req, res, url, signal: abort.signal, requestId, killed: false };
	res.on("close", () => {
		abort.abort();
		if (ctx.entry && !res.writableFinished && !ctx.killed && !isDown()) {
			state.patch(ctx.entry, { clientClosed: true });
		}
	});
	handler(ctx).catch((error: unknown) => {
		sendJson(res, { status: 500, body: { detail: `fake-codex: ${String(error)}` } });
	});
}

function listen(server: Server, port: number): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, "127.0.0.1", () => {
			server.off("error", reject);
			resolve((server.address() as AddressInfo).port);
		});
	});
}

export async function startFakeCodex(opts: StartOptions = {}): Promise<FakeCodex> {
	const state = new FakeState();
	const sockets = new Set<Socket>();
	let down = false;
	const server = createServer((req, res) => dispatch(state, req, res, () => down));
	server.on("connection", (socket) => {
		sockets.add(socket);
		socket.on("close", () => sockets.delete(socket));
	});
	const hub = new WebSocketHub(opts.websocket ?? "refuse");
	// noServer: the upgrade is authenticated (and faults applied) before ws completes it.
	const wss = new WebSocketServer({ noServer: true });
	server.on("upgrade", (req, socket, head) => handleUpgrade({ state, hub, wss }, req, socket, head));
	const port = await listen(server, opts.port ?? 0);
	const origin = `http://127.0.0.1:${port}`;
	let closing: Promise<void> | undefined;

	const destroyAll = () => {
		hub.down = true;
		hub.open.clear();
		wss.close();
		// Upgraded sockets are in `sockets` too: this also breaks every WebSocket.
		for (const socket of sockets) socket.destroy();
		sockets.clear();
	};

	const fake: FakeCodex = {
		origin,
		baseUrl: `${origin}/backend-api`,
		tokenUrl: `${origin}/oauth/token`,
		authorizeUrl: `${origin}/oauth/authorize`,
		addAccount(init) {
			if (state.accounts.has(init.accountId)) throw new Error(`fake-codex: account ${init.accountId} exists`);
			const account = createAccount(init);
			state.accounts.set(account.accountId, account);
			state.nextLoginAccountId = account.accountId;
			return state.tokens.mint(account);
		},
		issueTokens: (accountId) => state.tokens.mint(state.account(accountId)),
		expireAccessTokens(accountId) {
			state.account(accountId);
			state.tokens.expireAll(accountId);
		},
		setFault(accountId, fault, faultOpts) {
			state.account(accountId).fault = { fault, remaining: faultOpts?.times ?? Number.POSITIVE_INFINITY };
		},
		clearFault(accountId) {
			state.account(accountId).fault = undefined;
		},
		setResponse(plan, accountId) {
			if (accountId === undefined) state.defaultPlan = { ...plan };
			else state.plans.set(state.account(accountId).accountId, { ...plan });
		},
		setUsage(accountId, patch) {
			const account = state.account(accountId);
			currentUsage(account);
			if (patch.primary) patchWindow(account.primary, patch.primary);
			if (patch.secondary) patchWindow(account.secondary, patch.secondary);
		},
		setLimitUsage(accountId, limitId, patch) {
			const account = state.account(accountId);
			currentUsage(account);
			const limit = account.limits.find((l) => l.id === limitId);
			if (!limit) throw new Error(`fake-codex: ${accountId} has no limit ${limitId}`);
			patchWindow(limit.window, patch);
		},
		setCredits(accountId, credits) {
			const account = state.account(accountId);
			if (credits) account.credits = { ...credits };
			else delete account.credits;
		},
		usageOf: (accountId) => currentUsage(state.account(accountId)),
		get token() {
			return state.token;
		},
		set token(value) {
			state.token = value;
		},
		get authorize() {
			return state.authorize;
		},
		set authorize(value) {
			state.authorize = value;
		},
		get nextLoginAccountId() {
			return state.nextLoginAccountId;
		},
		set nextLoginAccountId(value) {
			state.nextLoginAccountId = value;
		},
		get rejectForeignReasoning() {
			return state.rejectForeignReasoning;
		},
		set rejectForeignReasoning(value) {
			state.rejectForeignReasoning = value;
		},
		get websocket() {
			return hub.mode;
		},
		set websocket(value) {
			hub.mode = value;
		},
		websocketConnectionCount: (accountId) => hub.count(accountId),
		openWebSocketCount: () => hub.open.size,
		forgetWebSocketResponses: () => hub.forgetBaselines(),
		requests: state.requests,
		tokenCallCount: (accountId) =>
			state.requests.filter((r) => r.route === "token" && (accountId === undefined || r.accountId === accountId))
				.length,
		waitForRequest: (match) => state.waitFor(match),
		holdResponses() {
			let release!: () => void;
			const hold = new Promise<void>((resolve) => {
				release = resolve;
			});
			state.responseHold = hold;
			return {
				release() {
					if (state.responseHold === hold) state.responseHold = undefined;
					release();
				},
			};
		},
		openResponses: () => ({ ...state.openResponses }),
		crash() {
			down = true;
			server.close();
			destroyAll();
		},
		close() {
			down = true;
			closing ??= new Promise((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
				destroyAll();
			});
			return closing;
		},
	};
	for (const init of opts.accounts ?? []) fake.addAccount(init);
	return fake;
}
