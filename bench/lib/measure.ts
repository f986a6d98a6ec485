/**
 * Times one stream the way a user feels it: from the call to the first `text_delta`. The stream is
 * always drained to its end, so no sample leaves work running into the next one.
 */
import type { AssistantMessageEvent } from "@earendil-works/pi-ai";

export interface StreamTiming {
	/** ms from the call to the first text_delta; undefined when no text came. */
	firstText?: number;
	/** ms from the call to the final event. */
	end: number;
	/** errorMessage of a final `error` event. */
	error?: string;
	text: string;
}

export async function timeStream(start: () => AsyncIterable<AssistantMessageEvent>): Promise<StreamTiming> {
	const t0 = performance.now();
	let firstText: number | undefined;
	let error: string | undefined;
	let text = "";
	for await (const event of start()) {
		if (event.type === "text_delta") {
			firstText ??= performance.now() - t0;
			text += event.delta;
		} else if (event.type === "error") {
			error = event.error.errorMessage ?? "unknown error";
		}
	}
	return { ...(firstText === undefined ? {} : { firstText }), end: performance.now() - t0, error, text };
}

/** A sample that must have produced text: its TTFT, or why it did not. */
export function ttftOf(timing: StreamTiming): number | string {
	if (timing.error !== undefined) return timing.error;
	return timing.firstText ?? "stream ended without text";
}

/** An interleave arm that times one stream to its first text. */
export function ttftArm(start: () => AsyncIterable<AssistantMessageEvent>): () => Promise<number | string> {
	return async () => ttftOf(await timeStream(start));
}
