import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createAccount, currentUsage, patchWindow } from "./accounts.ts";
import { header, sendJson } from "./http-util.ts";
import { handleAuthorize } from "./oauth-authorize-route.ts";
import { handleToken } from "./oauth-token-route.ts";
import { handleResponses } from "./responses-route.ts";
import type { RouteContext } from "./route-context.ts";
import { FakeState } from "./state.ts";
import type { FakeCodex, StartOptions } from "./types.ts";
import { handleUsage } from "./usage-route.ts";

// The HTTP server: routing, socket tracking for crash()/close(), and the
// refused WebSocket upgrade that makes pi-ai's "auto" transport fall back to SSE.

type Handler = (ctx: RouteContext) => Promise<void>;

const ROUTES: Record<string, Handler> = {
	"POST /backend-api/codex/responses": handleResponses,
	"GET /backend-api/wham/usage": handleUsage,
	"POST /oauth/token": handleToken,
	"GET /oauth/authorize": handleAuthorize,
};

const RESPONSES_PATH = "/backend-api/codex/responses";

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

// Refuse WebSocket upgrades with 426 so clients fall back to the SSE transport.
function refuseUpgrade(state: FakeState, req: IncomingMessage, socket: Duplex): void {
	const url = new URL(req.url ?? "/", "http://127.0.0.1");
	const isResponses = url.pathname === RESPONSES_PATH;
	if (isResponses) {
		state.log({
			route: "responses",
			status: 426,
			at: Date.now(),
			websocket: true,
			accountId: header(req, "chatgpt-account-id"),
			sessionId: header(req, "session-id") ?? header(req, "session_id"),
		});
	}
	const status = isResponses ? "426 Upgrade Required" : "404 Not Found";
	const body = JSON.stringify({ detail: isResponses ? "WebSocket transport is not available" : "Not Found" });
	socket.end(
		`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
	);
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
	server.on("upgrade", (req, socket) => refuseUpgrade(state, req, socket));
	const port = await listen(server, opts.port ?? 0);
	const origin = `http://127.0.0.1:${port}`;
	let closing: Promise<void> | undefined;

	const destroyAll = () => {
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
		requests: state.requests,
		tokenCallCount: (accountId) =>
			state.requests.filter((r) => r.route === "token" && (accountId === undefined || r.accountId === accountId))
				.length,
		waitForRequest: (match) => state.waitFor(match),
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
