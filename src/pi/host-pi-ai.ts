/**
 * The parts of pi-ai that pi-dispatch runs on: the Codex client (the wire work) and the stream type
 * it hands back, from the pi that loads the extension. Only src/index.ts imports this module, so
 * that it lands in the one file pi's loader transpiles itself (see there).
 */
import {
	cleanupSessionResources,
	createAssistantMessageEventStream,
	streamSimpleOpenAICodexResponses,
} from "@earendil-works/pi-ai/compat";

export const hostPiAi = {
	streamSimple: streamSimpleOpenAICodexResponses,
	createStream: createAssistantMessageEventStream,
	cleanupSessionResources,
};

export type HostPiAi = typeof hostPiAi;
