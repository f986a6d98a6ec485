/**
 * A Codex client that answers from memory, in pi-ai's shape: it calls the `fetch` it is handed (so
 * the dispatcher's observing fetch runs), then pushes start, three text deltas and done, each a
 * microtask apart. No network, no SSE parsing: in front of it, what the dispatcher itself costs per
 * request (routing, queue, observation, event forwarding) stands out of the network's noise, which
 * on loopback is ±30 µs a request (bench/profile.ts --path own).
 */
import {
	type AssistantMessage,
	type AssistantMessageEventStream,
	createAssistantMessageEventStream,
	type SimpleStreamOptions,
} from "@earendil-works/pi-ai";
import type { CodexClient } from "../../src/dispatch/dispatcher.ts";

/** A `fetch` that answers 200 with these headers (a real answer's, as the fake sends them) and no body. */
export function answeringFetch(headers: [string, string][]): typeof fetch {
	return async () => new Response(null, { status: 200, headers });
}

export function inMemoryCodexClient(fallbackFetch: typeof fetch): CodexClient {
	return {
		createStream: createAssistantMessageEventStream,
		streamSimple(model, _context, options?: SimpleStreamOptions): AssistantMessageEventStream {
			const stream = createAssistantMessageEventStream();
			void (async () => {
				const response = await (options?.fetch ?? fallbackFetch)(`${model.baseUrl}/codex/responses`, {
					method: "POST",
				});
				await options?.onResponse?.({ status: response.status, headers: {} }, model);
				const output = {
					role: "assistant",
					content: [],
					api: model.api,
					provider: model.provider,
					model: model.id,
					usage: {},
					stopReason: "stop",
					timestamp: 0,
				} as unknown as AssistantMessage;
				stream.push({ type: "start", partial: output });
				await undefined;
				stream.push({ type: "text_start", contentIndex: 0, partial: output });
				for (let i = 0; i < 3; i++) {
					await undefined;
					stream.push({ type: "text_delta", contentIndex: 0, delta: "hi", partial: output });
				}
				stream.push({ type: "text_end", contentIndex: 0, content: "hihihi", partial: output });
				await undefined;
				stream.push({ type: "done", reason: "stop", message: output });
				stream.end();
			})();
			return stream;
		},
	};
}
