/**
 * Over the WebSocket transport there is no HTTP answer to observe: the service reports a refused
 * request in band as a "wrapped" error event `{type: "error", status, error, headers}` (openai/codex
 * codex-api/src/endpoint/responses_websocket.rs), and pi-ai turns it into error text that has lost
 * the status. pi-ai hands every raw event to `onProviderStreamEvent` first: this reads the same
 * facts the SSE path gets from `fetch` (status, headers, error body), and a `response.failed` code.
 */
import { noteStreamFailure, type Observation } from "./observing-fetch.ts";

/**
 * Records a WebSocket error event in `observation`. True for a wrapped HTTP error (status known),
 * which the caller then learns from as it does from an SSE error answer.
 */
export function observeProviderEvent(observation: Observation, event: unknown): boolean {
	if (!event || typeof event !== "object") return false;
	// Every event of every answer comes here: the deltas are passed over at the first look.
	const type = (event as { type?: unknown }).type;
	if (type !== "error" && type !== "response.failed") return false;
	const { status, error, headers } = event as { status?: unknown; error?: unknown; headers?: unknown };
	if (type === "error" && typeof status === "number" && status >= 400) {
		observation.status = status;
		observation.headers = stringValues(headers);
		observation.errorBody = JSON.stringify(error && typeof error === "object" ? { error } : {});
		return true;
	}
	noteStreamFailure(observation, event);
	return false;
}

/** The event's headers as a lower-cased string record (values that are not text are dropped). */
function stringValues(headers: unknown): Record<string, string> {
	const record: Record<string, string> = {};
	if (!headers || typeof headers !== "object") return record;
	for (const [key, value] of Object.entries(headers)) {
		if (typeof value === "string") record[key.toLowerCase()] = value;
		else if (typeof value === "number") record[key.toLowerCase()] = String(value);
	}
	return record;
}
