import type { AssistantMessage, Message } from "@earendil-works/pi-ai";
import { describe, expect, it } from "vitest";
import { zeroUsage } from "../../src/dispatch/error-message.ts";
import { withoutForeignReasoning } from "../../src/dispatch/foreign-reasoning.ts";

function assistant(responseId: string, signature: string): AssistantMessage {
	return {
		role: "assistant",
		content: [
			{ type: "thinking", thinking: "pondering", thinkingSignature: signature },
			{ type: "text", text: "answer" },
		],
		api: "openai-codex-responses",
		provider: "openai-codex",
		model: "gpt-5",
		responseId,
		usage: zeroUsage(),
		stopReason: "stop",
		timestamp: 0,
	};
}

const user: Message = { role: "user", content: "hi", timestamp: 0 };

describe("withoutForeignReasoning", () => {
	const minted = new Map([
		["resp-a", "A"],
		["resp-b", "B"],
	]);
	const context = {
		messages: [user, assistant("resp-a", '{"id":"rs_a"}'), user, assistant("resp-b", '{"id":"rs_b"}')],
	};

	it("keeps the same object when every item belongs to the account", () => {
		const onlyA = { messages: [user, assistant("resp-a", "{}")] };
		expect(withoutForeignReasoning(onlyA, "A", (id) => minted.get(id), false)).toBe(onlyA);
	});

	it("drops the encrypted items minted for another account, keeping the visible text", () => {
		const result = withoutForeignReasoning(context, "B", (id) => minted.get(id), false);
		const [, first, , second] = result.messages as AssistantMessage[];
		expect(first!.content[0]).toEqual({ type: "thinking", thinking: "pondering", thinkingSignature: undefined });
		expect(first!.content[1]).toEqual({ type: "text", text: "answer" });
		expect(second!.content[0]).toMatchObject({ thinkingSignature: '{"id":"rs_b"}' });
		// The caller's context is untouched.
		expect((context.messages[1] as AssistantMessage).content[0]).toMatchObject({
			thinkingSignature: '{"id":"rs_a"}',
		});
	});

	it("keeps items of unknown origin unless told to strip all", () => {
		expect(withoutForeignReasoning(context, "C", () => undefined, false)).toBe(context);
		const stripped = withoutForeignReasoning(context, "C", () => undefined, true);
		for (const message of stripped.messages) {
			if (message.role !== "assistant") continue;
			expect(message.content[0]).toMatchObject({ thinkingSignature: undefined });
		}
	});

	it("only signed thinking blocks lose their signature; text and unsigned thinking stay exactly as they were", () => {
		const mixed: AssistantMessage = {
			...assistant("resp-a", "sig"),
			content: [
				{ type: "thinking", thinking: "unsigned" },
				{ type: "thinking", thinking: "signed", thinkingSignature: "sig" },
				{ type: "text", text: "answer" },
			],
		};
		const result = withoutForeignReasoning({ messages: [mixed] }, "B", (id) => minted.get(id), false);
		expect((result.messages[0] as AssistantMessage).content).toStrictEqual([
			{ type: "thinking", thinking: "unsigned" },
			{ type: "thinking", thinking: "signed", thinkingSignature: undefined },
			{ type: "text", text: "answer" },
		]);
	});

	it("a foreign message without signed thinking is left alone (the same context back)", () => {
		const plain: AssistantMessage = {
			...assistant("resp-a", "sig"),
			content: [
				{ type: "thinking", thinking: "unsigned" },
				{ type: "text", text: "answer" },
			],
		};
		const emptySignature: AssistantMessage = {
			...assistant("resp-a", ""),
			content: [{ type: "thinking", thinking: "x", thinkingSignature: "" }],
		};
		const ctx = { messages: [user, plain, emptySignature] };
		expect(withoutForeignReasoning(ctx, "B", (id) => minted.get(id), true)).toBe(ctx);
	});

	it("a message without a response id is of unknown origin", () => {
		const { responseId: _, ...noId } = assistant("x", "sig");
		const ctx = { messages: [noId as AssistantMessage] };
		expect(withoutForeignReasoning(ctx, "B", () => "A", false)).toBe(ctx);
	});
});
