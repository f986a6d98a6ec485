import { WebSocket } from "ws";
import type { EventSink } from "./response-stream.ts";

// One JSON text frame per Responses event, with the running sequence_number
// the SSE transport carries too (a fresh sink, so a fresh count, per response).

export class WebSocketSink implements EventSink {
	private readonly socket: WebSocket;
	private sequence = 0;

	constructor(socket: WebSocket) {
		this.socket = socket;
	}

	get open(): boolean {
		return this.socket.readyState === WebSocket.OPEN;
	}

	send(type: string, data: Record<string, unknown>): Promise<void> {
		return this.sendRaw({ type, sequence_number: this.sequence++, ...data });
	}

	/** A frame outside the numbered Responses stream (codex.rate_limits, wrapped errors). */
	sendRaw(event: Record<string, unknown>): Promise<void> {
		if (!this.open) return Promise.resolve();
		return new Promise((resolve) => this.socket.send(JSON.stringify(event), () => resolve()));
	}
}
