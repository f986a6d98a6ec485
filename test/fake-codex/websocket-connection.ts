import type { RawData } from "ws";
import type { ErrorReply } from "./errors.ts";
import type { FakeState } from "./state.ts";
import { invalidFrame, wrappedErrorEvent } from "./websocket-events.ts";
import type { ConnectionRecord, WebSocketHub } from "./websocket-hub.ts";
import { WebSocketSink } from "./websocket-sink.ts";
import { runTurn } from "./websocket-turn.ts";

// One accepted WebSocket: reads client frames and answers them one at a time,
// in order (a connection carries one response at a time, like the service).

export interface ConnectionDeps {
	state: FakeState;
	hub: WebSocketHub;
	record: ConnectionRecord;
	/** The upgrade's Authorization header; re-checked for every response.create. */
	authorization: string | undefined;
}

export function serveConnection(deps: ConnectionDeps): void {
	const { socket } = deps.record;
	const abort = new AbortController();
	let queue = Promise.resolve();
	socket.on("message", (data: RawData, isBinary: boolean) => {
		queue = queue
			.then(() => answerFrame(deps, data, isBinary, abort.signal))
			// A bug in the fake shows up as a 500, as on the HTTP routes, not as a silent hang.
			.catch((error: unknown) => sendError(deps, { status: 500, body: { detail: `fake-codex: ${String(error)}` } }));
	});
	socket.on("close", () => abort.abort());
	// A reset connection reports an error before closing; close() does the rest.
	socket.on("error", () => undefined);
}

async function answerFrame(deps: ConnectionDeps, data: RawData, isBinary: boolean, signal: AbortSignal) {
	if (signal.aborted) return;
	const frame = isBinary ? undefined : parseFrame(data);
	if (!frame) return reject(deps, "Expected a JSON object in a text frame");
	// Acknowledgements the Codex CLI sends after a response; nothing to answer.
	if (frame.type === "response.processed") return;
	if (frame.type !== "response.create") return reject(deps, `Unsupported event type: ${String(frame.type)}`);
	await runTurn({ ...deps, signal }, frame);
}

function parseFrame(data: RawData): Record<string, unknown> | undefined {
	try {
		const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
		const text = bytes.toString("utf8");
		const parsed: unknown = JSON.parse(text);
		return parsed && typeof parsed === "object" && !Array.isArray(parsed)
			? (parsed as Record<string, unknown>)
			: undefined;
	} catch {
		return undefined;
	}
}

function reject(deps: ConnectionDeps, message: string): Promise<void> {
	return sendError(deps, invalidFrame(message));
}

function sendError(deps: ConnectionDeps, reply: ErrorReply): Promise<void> {
	return new WebSocketSink(deps.record.socket).sendRaw(wrappedErrorEvent(reply, {}));
}
