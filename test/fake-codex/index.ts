// Fake ChatGPT Codex backend for tests, benchmarks and the offline demo.
export { type Caller, getUsage, pkcePair, postResponses, postToken, responsesBody } from "./client.ts";
export { DEMO_TEXT, setupDemo } from "./demo.ts";
export { decodeJwtPayload, makeFakeJwt } from "./jwt.ts";
export { encryptedContentOwner, mintEncryptedContent } from "./reasoning.ts";
export { startFakeCodex } from "./server.ts";
export { parseSseText, readSse, type SseFrame } from "./sse-reader.ts";
export { CLIENT_ID } from "./tokens.ts";
export type {
	FakeAccountInit,
	FakeCodex,
	FakeTokens,
	Fault,
	RequestLogEntry,
	ResponsePlan,
	RouteName,
	StartOptions,
	TokenKnobs,
	UsageOverride,
	UsageSnapshot,
	WebSocketMode,
	WindowInit,
	WindowState,
} from "./types.ts";
