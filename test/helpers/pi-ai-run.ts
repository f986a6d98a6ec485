/** Streams one request through pi-ai's own Codex client against the fake, collecting everything. */
import {
	type AssistantMessage,
	type AssistantMessageEvent,
	type Context,
	normalizeContext,
	type ProviderResponse,
	type SimpleStreamOptions,
} from "@earendil-works/pi-ai";
import { getModel, streamSimpleOpenAICodexResponses } from "@earendil-works/pi-ai/compat";
import type { FakeCodex, FakeTokens } from "../fake-codex/index.ts";
import { CODEX_MODEL_ID } from "./pi-under-test.ts";

const base = getModel("openai-codex", CODEX_MODEL_ID as never);

export interface PiAiRun {
	events: AssistantMessageEvent[];
	message: AssistantMessage;
	/** What pi-ai's `onResponse` hook saw. */
	responses: ProviderResponse[];
}

/** `options` go last: a test may override the transport, retries or the hook. */
export async function runPiAi(
	fake: FakeCodex,
	tokens: FakeTokens,
	context: Context,
	options: Partial<SimpleStreamOptions> = {},
): Promise<PiAiRun> {
	const model = { ...base, baseUrl: fake.baseUrl };
	const responses: ProviderResponse[] = [];
	const stream = streamSimpleOpenAICodexResponses(model, normalizeContext(context), {
		apiKey: tokens.access,
		maxRetries: 0,
		onResponse: (response) => {
			responses.push(response);
		},
		...options,
	});
	const events: AssistantMessageEvent[] = [];
	for await (const event of stream) events.push(event);
	const message: AssistantMessage = await stream.result();
	return { events, message, responses };
}

export function deltas(events: AssistantMessageEvent[], type: "text_delta" | "thinking_delta"): string {
	return events.map((e) => (e.type === type ? e.delta : "")).join("");
}
