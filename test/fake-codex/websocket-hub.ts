import type { WebSocket } from "ws";
import type { WebSocketMode } from "./types.ts";

// Bookkeeping of the WebSocket transport: whether upgrades are served, every
// accepted connection (tests count them to prove socket reuse), and the open
// ones with their connection-scoped continuation state.

/** The last completed response of a connection, which previous_response_id may continue. */
export interface Baseline {
	responseId: string;
	/** Full input of that response (after its own continuation was resolved). */
	input: unknown[];
	output: unknown[];
}

export interface ConnectionRecord {
	accountId: string;
	sessionId?: string;
	/** Epoch ms of the accepted upgrade. */
	at: number;
	socket: WebSocket;
	baseline?: Baseline;
}

export class WebSocketHub {
	mode: WebSocketMode;
	/** Set by close()/crash(), so broken connections are not blamed on the client. */
	down = false;
	readonly accepted: ConnectionRecord[] = [];
	readonly open = new Set<ConnectionRecord>();

	constructor(mode: WebSocketMode) {
		this.mode = mode;
	}

	add(record: ConnectionRecord): void {
		this.accepted.push(record);
		this.open.add(record);
		record.socket.on("close", () => this.open.delete(record));
	}

	count(accountId?: string): number {
		return this.accepted.filter((r) => accountId === undefined || r.accountId === accountId).length;
	}

	/** The service lost every connection's continuation state (next previous_response_id misses). */
	forgetBaselines(): void {
		for (const record of this.open) record.baseline = undefined;
	}
}
