import type { Api, AssistantMessage, Model } from "@earendil-works/pi-ai";

/** The assistant message of a stream that ends in an error before any content: no tokens used. */
export function errorAssistantMessage(
	model: Model<Api>,
	text: string,
	reason: "error" | "aborted" = "error",
): AssistantMessage {
	return {
		role: "assistant",
		content: [],
		api: model.api,
		provider: model.provider,
		model: model.id,
		usage: zeroUsage(),
		stopReason: reason,
		errorMessage: text,
		timestamp: Date.now(),
	};
}

/** Usage of a message that spent nothing. */
export function zeroUsage(): AssistantMessage["usage"] {
	return {
		input: 0,
		output: 0,
		cacheRead: 0,
		cacheWrite: 0,
		totalTokens: 0,
		cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
	};
}
