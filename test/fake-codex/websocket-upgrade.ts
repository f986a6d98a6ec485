import { randomUUID } from "node:crypto";
import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocketServer } from "ws";
import { takeFault } from "./accounts.ts";
import { tokenExpired } from "./errors.ts";
import { header } from "./http-util.ts";
import { authFailureReply } from "./route-context.ts";
import type { FakeState } from "./state.ts";
import type { RequestLogEntry } from "./types.ts";
import { serveConnection } from "./websocket-connection.ts";
import type { WebSocketHub } from "./websocket-hub.ts";

// GET /backend-api/codex/responses with Upgrade: websocket. Authenticated like
// the HTTP route, from the upgrade's headers (bearer + chatgpt-account-id):
// a bad token is refused with a plain HTTP 401 before the 101, as codex-rs
// expects (map_ws_error reads status and body off the failed handshake).
// The upgrade is this transport's "headers", so the faults that act before
// headers on SSE (unauthorized, reset-before-headers) are taken here; every
// other fault stays armed for the next response.create.

const RESPONSES_PATH = "/backend-api/codex/responses";

export interface UpgradeDeps {
	state: FakeState;
	hub: WebSocketHub;
	wss: WebSocketServer;
}

export function handleUpgrade(deps: UpgradeDeps, req: IncomingMessage, socket: Duplex, head: Buffer): void {
	const { state, hub } = deps;
	const url = new URL(req.url ?? "/", "http://127.0.0.1");
	if (url.pathname !== RESPONSES_PATH) {
		reject(socket, 404, { detail: "Not Found" });
		return;
	}
	const requestId = `req_${randomUUID().replaceAll("-", "")}`;
	const sessionId = header(req, "session-id") ?? header(req, "session_id");
	const accountHeader = header(req, "chatgpt-account-id");
	const log = (fields: Partial<RequestLogEntry>) =>
		state.log({
			route: "responses",
			status: 0,
			at: Date.now(),
			websocket: true,
			upgrade: true,
			sessionId,
			...fields,
		});

	if (hub.mode === "refuse") {
		// pi-ai's "auto" (and even "websocket") transport then falls back to SSE.
		log({ status: 426, accountId: accountHeader });
		reject(socket, 426, { detail: "WebSocket transport is not available" });
		return;
	}

	const authorization = header(req, "authorization");
	const auth = state.tokens.authenticate(authorization, accountHeader);
	if (!auth.ok) {
		const reply = authFailureReply(auth.reason);
		log({ status: reply.status, accountId: auth.accountId });
		reject(socket, reply.status, reply.body, { "x-request-id": requestId });
		return;
	}
	const account = state.account(auth.accountId);
	const armed = account.fault?.fault.kind;
	if (armed === "unauthorized" || armed === "reset-before-headers") {
		takeFault(account);
		if (armed === "reset-before-headers") {
			log({ accountId: account.accountId, fault: armed });
			socket.destroy();
			return;
		}
		log({ status: 401, accountId: account.accountId, fault: armed });
		reject(socket, 401, tokenExpired().body, { "x-request-id": requestId });
		return;
	}

	deps.wss.handleUpgrade(req, socket, head, (ws) => {
		const record = { accountId: account.accountId, sessionId, at: Date.now(), socket: ws };
		hub.add(record);
		serveConnection({ state, hub, record, authorization });
	});
}

/** A plain HTTP answer instead of the 101, then close. */
function reject(socket: Duplex, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const payload = JSON.stringify(body);
	const lines = [
		`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`,
		...Object.entries({ connection: "close", ...headers }).map(([k, v]) => `${k}: ${v}`),
		"content-type: application/json",
		`content-length: ${Buffer.byteLength(payload)}`,
	];
	socket.end(`${lines.join("\r\n")}\r\n\r\n${payload}`);
}
