import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync, zstdDecompressSync } from "node:zlib";
import type { ErrorReply } from "./errors.ts";

// Small request/response helpers shared by the routes.

export class BodyError extends Error {
	readonly status: number;
	constructor(status: number, message: string) {
		super(message);
		this.status = status;
	}
}

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/** Decodes content-encoding (zstd as pi-ai and the Codex CLI send it, gzip for good measure). */
export function decodeBody(raw: Buffer, encoding: string | undefined): Buffer {
	const enc = (encoding ?? "identity").trim().toLowerCase();
	if (enc === "identity" || enc === "") return raw;
	try {
		if (enc === "zstd") return zstdDecompressSync(raw);
		if (enc === "gzip") return gunzipSync(raw);
	} catch {
		throw new BodyError(400, `Could not decode ${enc} request body`);
	}
	throw new BodyError(415, `Unsupported content-encoding: ${enc}`);
}

export function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		throw new BodyError(400, "Request body is not valid JSON");
	}
}

/** JSON or application/x-www-form-urlencoded, as auth.openai.com accepts both. */
export function parseFormOrJson(text: string, contentType: string | undefined): Record<string, string> {
	if ((contentType ?? "").includes("application/json")) {
		const parsed = parseJson(text);
		const out: Record<string, string> = {};
		if (parsed && typeof parsed === "object") {
			for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") out[k] = v;
		}
		return out;
	}
	return Object.fromEntries(new URLSearchParams(text));
}

export function header(req: IncomingMessage, name: string): string | undefined {
	const value = req.headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

export function sendJson(res: ServerResponse, reply: ErrorReply, extra: Record<string, string> = {}): void {
	if (res.headersSent || res.destroyed) return;
	const payload = reply.text ?? JSON.stringify(reply.body);
	res.writeHead(reply.status, {
		...extra,
		...reply.headers,
		"content-type": reply.contentType ?? "application/json",
		"content-length": String(Buffer.byteLength(payload)),
	});
	res.end(payload);
}

/** Resolves when `wait` does, or at once when the signal aborts (the client went away). */
export function untilReleased(wait: Promise<void>, signal: AbortSignal): Promise<void> {
	if (signal.aborted) return Promise.resolve();
	return new Promise((resolve) => {
		const done = () => {
			signal.removeEventListener("abort", done);
			resolve();
		};
		signal.addEventListener("abort", done, { once: true });
		void wait.then(done);
	});
}

/** Resolves after ms, or early (without throwing) once the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
	if (ms <= 0 || signal.aborted) return Promise.resolve();
	return new Promise((resolve) => {
		const done = () => {
			clearTimeout(timer);
			signal.removeEventListener("abort", done);
			resolve();
		};
		const timer = setTimeout(done, ms);
		signal.addEventListener("abort", done, { once: true });
	});
}

/** Never resolves on its own; ends when the connection goes away. */
export function untilAborted(signal: AbortSignal): Promise<void> {
	if (signal.aborted) return Promise.resolve();
	return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
