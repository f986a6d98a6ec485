import type { ServerResponse } from "node:http";

// Writes `event: <type>\ndata: <json>\n\n` frames with a running
// sequence_number, the framing the Codex backend uses on its SSE transport.

export class SseWriter {
	private readonly res: ServerResponse;
	private sequence = 0;

	constructor(res: ServerResponse) {
		this.res = res;
	}

	get open(): boolean {
		return !this.res.destroyed && !this.res.writableEnded;
	}

	/** Resolves once the frame is handed to the socket, so a later destroy cannot drop it. */
	send(type: string, data: Record<string, unknown>): Promise<void> {
		if (!this.open) return Promise.resolve();
		const payload = JSON.stringify({ type, sequence_number: this.sequence++, ...data });
		return new Promise((resolve) => {
			this.res.write(`event: ${type}\ndata: ${payload}\n\n`, () => resolve());
		});
	}

	end(): void {
		if (this.open) this.res.end();
	}
}
