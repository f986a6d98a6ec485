/**
 * Copies one attempt's events to the stream pi reads, holding back `start` until the first real
 * event: if that is an error, nothing has reached pi and the request may still move to another
 * account. Events are forwarded by reference: pi-ai's `partial` objects are never copied.
 */
import type { AssistantMessageEvent, AssistantMessageEventStream } from "@earendil-works/pi-ai";

type FinalEvent = Extract<AssistantMessageEvent, { type: "done" | "error" }>;

export type ForwardResult =
	| { type: "forwarded"; final: FinalEvent }
	| { type: "error-before-content"; event: Extract<AssistantMessageEvent, { type: "error" }> };

export async function forwardEvents(
	inner: AssistantMessageEventStream,
	out: AssistantMessageEventStream,
	onErrorAfterContent: (event: Extract<AssistantMessageEvent, { type: "error" }>) => void,
	/** Runs once the first delta (text, thinking or tool call: what pi shows) has been handed to pi. */
	onFirstDelta?: () => void,
): Promise<ForwardResult> {
	let heldStart: AssistantMessageEvent | undefined;
	let flowing = false;
	let delta = false;
	for await (const event of inner) {
		if (!flowing) {
			if (event.type === "start") {
				heldStart = event;
				continue;
			}
			if (event.type === "error") return { type: "error-before-content", event };
			flowing = true;
			if (heldStart) out.push(heldStart);
		}
		if (event.type === "error") onErrorAfterContent(event);
		out.push(event);
		if (!delta && event.type.endsWith("_delta")) {
			delta = true;
			onFirstDelta?.();
		}
		if (event.type === "done" || event.type === "error") return { type: "forwarded", final: event };
	}
	throw new Error("Codex stream ended without a final event");
}
