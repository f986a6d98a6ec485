/** pi-ai's own Codex client, called directly: the baseline every dispatcher figure is compared with. */
import type { TranscriptContext } from "@earendil-works/pi-ai";
import { streamSimple as codexModuleStreamSimple } from "@earendil-works/pi-ai/api/openai-codex-responses";
import {
	type AssistantMessageEventStream,
	getModel,
	type Model,
	type SimpleStreamOptions,
	streamSimpleOpenAICodexResponses,
} from "@earendil-works/pi-ai/compat";
import { TEST_MODEL_ID } from "../../test/helpers/dispatch-harness.ts";

export type CodexModel = Model<"openai-codex-responses">;

export function benchModel(baseUrl: string): CodexModel {
	return { ...getModel("openai-codex", TEST_MODEL_ID as never), baseUrl } as CodexModel;
}

/**
 * A short prompt, already in the transcript shape pi hands providers (pi-ai's normalizeContext is
 * not exported): the benches time the client and the routing, not a large request body.
 */
export function benchContext(): TranscriptContext {
	return {
		messages: [
			{ role: "system", content: "You are a helpful assistant.", timestamp: 0 },
			{ role: "user", content: "Say hello.", timestamp: Date.now() },
		],
	} as TranscriptContext;
}

/** SSE with no provider retry: the same request the dispatcher makes for each attempt. */
export const DIRECT_OPTIONS = { transport: "sse", maxRetries: 0 } satisfies SimpleStreamOptions;

/** A Codex client called with one account's token, under DIRECT_OPTIONS and the caller's options. */
function withToken(
	client: (model: CodexModel, context: TranscriptContext, options: SimpleStreamOptions) => AssistantMessageEventStream,
) {
	return (
		model: CodexModel,
		context: TranscriptContext,
		access: string,
		options: SimpleStreamOptions = {},
	): AssistantMessageEventStream => client(model, context, { ...DIRECT_OPTIONS, ...options, apiKey: access });
}

export const directStream = withToken(streamSimpleOpenAICodexResponses);

/**
 * pi-ai's Codex client module itself, without the lazy layer pi-ai's exported client wraps it in:
 * what the dispatcher calls once it has found the module (src/pi/unwrapped-codex-client.ts). A
 * reference, so the dispatcher's own cost shows apart from what skipping the lazy layer saves.
 */
export const moduleStream = withToken(codexModuleStreamSimple);
