/** The IPC wire between the bench and the forked fake Codex upstream (one request, one reply). */
import type {
	FakeAccountInit,
	FakeCodex,
	FakeTokens,
	Fault,
	ResponsePlan,
	WebSocketMode,
} from "../../test/fake-codex/index.ts";

export type UsagePatch = Parameters<FakeCodex["setUsage"]>[1];

export type UpstreamCommand =
	| { op: "add-accounts"; inits: FakeAccountInit[] }
	| { op: "set-fault"; accountId: string; fault: Fault; times?: number }
	| { op: "clear-fault"; accountId: string }
	| { op: "set-response"; plan: ResponsePlan; accountId?: string }
	| { op: "set-usage"; accountId: string; patch: UsagePatch }
	| { op: "set-websocket"; mode: WebSocketMode }
	| { op: "hits"; accountId: string }
	| { op: "clear-log" };

export type UpstreamRequest = UpstreamCommand & { id: number };

export interface UpstreamReply {
	id: number;
	ok: boolean;
	value?: unknown;
	error?: string;
}

export interface UpstreamUrls {
	origin: string;
	baseUrl: string;
	tokenUrl: string;
	authorizeUrl: string;
}

export interface UpstreamReady extends UpstreamUrls {
	type: "ready";
	pid: number;
}

/** Responses-route requests the upstream saw for one account since the last `clear-log`. */
export interface Hits {
	responses: number;
	/** Of those, answered by an armed fault (e.g. the 429). */
	faulted: number;
	/** Of those, sent as WebSocket frames (the rest over SSE). */
	websocket: number;
}

export interface AccountTokens {
	accountId: string;
	tokens: FakeTokens;
}
