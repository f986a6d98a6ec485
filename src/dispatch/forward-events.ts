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

export function forwardEvents(
	inner: AssistantMessageEventStream,
	out: AssistantMessageEventStream,
	onErrorAfterContent: (event: Extract<AssistantMessageEvent, { type: "error" }>) => void,
	/** Runs once the first delta (text, thinking or tool call: what pi shows) has been handed to pi. */
	onFirstDelta?: () => void,
	/** A promise here holds the final event (`done`, or an error after content) back until it settles. */
	beforeFinal?: () => Promise<void> | undefined,
): Promise<ForwardResult> {
	let heldStart: AssistantMessageEvent | undefined;
	let flowing = false;
	let delta = false;
	/** One event; the result once the attempt is decided. */
	const take = (event: AssistantMessageEvent): ForwardResult | undefined => {
		if (!flowing) {
			if (event.type === "start") {
				heldStart = event;
				return undefined;
			}
			if (event.type === "error") return { type: "error-before-content", event };
			flowing = true;
			if (heldStart) out.push(heldStart);
		}
		if (event.type === "done" || event.type === "error") {
			if (event.type === "error") onErrorAfterContent(event);
			const held = beforeFinal?.();
			// Pushed whatever the wait ends in: pi must see its stream end.
			if (held) void held.catch(() => undefined).then(() => out.push(event));
			else out.push(event);
			return { type: "forwarded", final: event };
		}
		out.push(event);
		if (!delta && event.type.endsWith("_delta")) {
			delta = true;
			onFirstDelta?.();
		}
		return undefined;
	};
	// pi-ai's stream ended before we got it (a synchronous refusal): its queue holds the events.
	if ((inner as unknown as { done?: boolean }).done !== false) return iterate(inner, take);
	// Otherwise each event is taken at its push, in pi-ai's own turn: no async-iterator promise
	// hops per event between pi-ai and pi (the event reaches pi's stream in the same tick).
	return new Promise((resolve) => {
		let decided = false;
		inner.push = (event) => {
			if (decided) return;
			let result: ForwardResult | undefined;
			try {
				result = take(event);
			} catch (error) {
				// Ours, not pi-ai's: it must not land in pi-ai's own error handling.
				decided = true;
				resolve(Promise.reject(error));
				return;
			}
			if (result) {
				decided = true;
				resolve(result);
			}
		};
		inner.end = () => {
			if (decided) return;
			decided = true;
			resolve(Promise.reject(new Error("Codex stream ended without a final event")));
		};
	});
}

async function iterate(
	inner: AssistantMessageEventStream,
	take: (event: AssistantMessageEvent) => ForwardResult | undefined,
): Promise<ForwardResult> {
	for await (const event of inner) {
		const result = take(event);
		if (result) return result;
	}
	throw new Error("Codex stream ended without a final event");
}
