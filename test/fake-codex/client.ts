import { createHash, randomBytes } from "node:crypto";
import { zstdCompressSync } from "node:zlib";
import { CODEX_MODEL_ID } from "../helpers/pi-under-test.ts";
import type { FakeCodex } from "./types.ts";

// Raw-fetch helpers for talking to the fake the way pi-ai and the Codex CLI do.

export interface Caller {
	accountId: string;
	access: string;
}

export function responsesBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		model: CODEX_MODEL_ID,
		instructions: "You are a helpful assistant.",
		input: [{ role: "user", content: [{ type: "input_text", text: "Say hello" }] }],
		stream: true,
		store: false,
		include: ["reasoning.encrypted_content"],
		tool_choice: "auto",
		parallel_tool_calls: true,
		...extra,
	};
}

export interface CallOptions {
	headers?: Record<string, string>;
	signal?: AbortSignal;
	/** Send the body zstd-compressed with content-encoding: zstd, as pi-ai does. */
	zstd?: boolean;
}

export function postResponses(
	fake: FakeCodex,
	caller: Caller,
	body: Record<string, unknown> = responsesBody(),
	opts: CallOptions = {},
): Promise<Response> {
	const json = JSON.stringify(body);
	const headers: Record<string, string> = {
		authorization: `Bearer ${caller.access}`,
		"chatgpt-account-id": caller.accountId,
		accept: "text/event-stream",
		"content-type": "application/json",
		...(opts.zstd ? { "content-encoding": "zstd" } : {}),
		...opts.headers,
	};
	return fetch(`${fake.baseUrl}/codex/responses`, {
		method: "POST",
		headers,
		body: opts.zstd ? zstdCompressSync(json) : json,
		signal: opts.signal,
	});
}

export function getUsage(fake: FakeCodex, caller: Caller): Promise<Response> {
	return fetch(`${fake.baseUrl}/wham/usage`, {
		headers: { authorization: `Bearer ${caller.access}`, "chatgpt-account-id": caller.accountId },
	});
}

/** Form-encoded like pi-ai, or JSON like the Codex CLI. */
export function postToken(
	fake: FakeCodex,
	params: Record<string, string>,
	opts: { json?: boolean; signal?: AbortSignal } = {},
): Promise<Response> {
	return fetch(fake.tokenUrl, {
		method: "POST",
		headers: { "content-type": opts.json ? "application/json" : "application/x-www-form-urlencoded" },
		body: opts.json ? JSON.stringify(params) : new URLSearchParams(params),
		signal: opts.signal,
	});
}

export function pkcePair(): { verifier: string; challenge: string } {
	const verifier = randomBytes(32).toString("base64url");
	return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}
