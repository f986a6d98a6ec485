/**
 * pi-ai's Codex client without its lazy layer (src/pi/unwrapped-codex-client.ts), against the fake:
 * found on the first request, called directly after it, and the lazy client kept whenever the
 * module cannot be found for sure.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import {
	createAssistantMessageEventStream,
	getModel,
	streamSimpleOpenAICodexResponses,
} from "@earendil-works/pi-ai/compat";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { CodexClient } from "../../src/dispatch/dispatcher.ts";
import { type CodexClientEvent, codexClientChannel, unwrapCodexClient } from "../../src/pi/unwrapped-codex-client.ts";
import {
	collect,
	freshAccount,
	type Harness,
	responseAccounts,
	startHarness,
	TEST_MODEL_ID,
	toContext,
} from "../helpers/dispatch-harness.ts";

let harness: Harness | undefined;
const events: CodexClientEvent[] = [];
const listen = (message: unknown) => events.push(message as CodexClientEvent);
subscribe(codexClientChannel.name, listen);
afterAll(() => unsubscribe(codexClientChannel.name, listen));
afterEach(async () => {
	await harness?.close();
	harness = undefined;
	events.length = 0;
});

/** pi-ai's lazy client, counting the calls that go through it. */
function countingHost(): CodexClient & { calls: number } {
	const host = {
		calls: 0,
		createStream: createAssistantMessageEventStream,
		streamSimple: ((...args: Parameters<typeof streamSimpleOpenAICodexResponses>) => {
			host.calls++;
			return streamSimpleOpenAICodexResponses(...args);
		}) as CodexClient["streamSimple"],
	};
	return host;
}

describe("the unwrapped Codex client", () => {
	it("finds pi-ai's client module on the first request and calls it directly after that", async () => {
		const host = countingHost();
		harness = await startHarness({ accounts: [freshAccount("acct-a")], client: unwrapCodexClient(host) });
		const payloads: unknown[] = [];
		const onPayload = (payload: unknown) => {
			payloads.push(payload);
			return undefined;
		};
		expect((await harness.ask("one", { onPayload })).text).toBe("Hello from acct-a.");
		expect(events).toEqual([{ mode: "direct", detail: "openai-codex-responses.js" }]);
		expect((await harness.ask("two", { onPayload })).text).toBe("Hello from acct-a.");
		expect((await harness.ask("three")).text).toBe("Hello from acct-a.");
		// Only the first request went through pi-ai's lazy layer; pi's own onPayload ran on both of its.
		expect(host.calls).toBe(1);
		expect(payloads).toHaveLength(2);
		expect(responseAccounts(harness.fake)).toEqual(["acct-a", "acct-a", "acct-a"]);
	});

	it("ends the stream with an error event where the module throws, as pi-ai's lazy layer does", async () => {
		harness = await startHarness({ accounts: [freshAccount("acct-a")] });
		const host = countingHost();
		const client = unwrapCodexClient(host);
		const model = { ...getModel("openai-codex", TEST_MODEL_ID as never), baseUrl: harness.fake.baseUrl };
		const access = harness.tokens.get("acct-a")!.access;
		const found = await collect(client.streamSimple(model, toContext("hi") as never, { apiKey: access }));
		expect(found.text).toBe("Hello from acct-a.");
		expect(events.map((e) => e.mode)).toEqual(["direct"]);
		// No API key: pi-ai's client module throws before it makes a stream; the lazy layer is not asked.
		const refused = await collect(client.streamSimple(model, toContext("hi") as never, {}));
		expect(refused.message.stopReason).toBe("error");
		expect(refused.message.errorMessage).toMatch(/No API key/);
		expect(host.calls).toBe(1);
	});

	it("keeps the lazy client when onPayload is called from anywhere but pi-ai's client module", async () => {
		const calls: string[] = [];
		const notPiAi: CodexClient = {
			createStream: createAssistantMessageEventStream,
			streamSimple: (model, context, options) => {
				calls.push("host");
				void options?.onPayload?.({}, model);
				return streamSimpleOpenAICodexResponses(model as never, context, options);
			},
		};
		harness = await startHarness({ accounts: [freshAccount("acct-a")], client: unwrapCodexClient(notPiAi) });
		expect((await harness.ask("one")).text).toBe("Hello from acct-a.");
		expect((await harness.ask("two")).text).toBe("Hello from acct-a.");
		expect(events).toEqual([{ mode: "lazy", detail: "onPayload was called from unwrapped-codex-client.test.ts" }]);
		expect(calls).toEqual(["host", "host"]);
	});
});
