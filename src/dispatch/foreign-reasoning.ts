/**
 * Encrypted reasoning (`reasoning.encrypted_content`, kept by pi-ai in a thinking block's
 * `thinkingSignature`) is minted for one account. When a conversation moves to another account
 * those items may be refused, so they are dropped for the new account: the visible thinking text
 * stays in pi's history, only the opaque replay item is left out of the request.
 */
import type { AssistantMessage, Message } from "@earendil-works/pi-ai";

interface HasMessages {
	messages: Message[];
}

/**
 * `mintedBy(responseId)` names the account that produced a response, when known. With
 * `stripAll`, every encrypted item goes (after the service refused one we could not attribute).
 */
export function withoutForeignReasoning<C extends HasMessages>(
	context: C,
	accountId: string,
	mintedBy: (responseId: string) => string | undefined,
	stripAll: boolean,
): C {
	let changed = false;
	const messages = context.messages.map((message) => {
		if (message.role !== "assistant" || !hasSignedThinking(message)) return message;
		const minter = message.responseId ? mintedBy(message.responseId) : undefined;
		const foreign = stripAll || (minter !== undefined && minter !== accountId);
		if (!foreign) return message;
		changed = true;
		return {
			...message,
			content: message.content.map((block) =>
				// Stryker disable next-line ConditionalExpression: only thinking blocks carry a signature
				block.type === "thinking" && block.thinkingSignature ? { ...block, thinkingSignature: undefined } : block,
			),
		} satisfies AssistantMessage;
	});
	return changed ? { ...context, messages } : context;
}

function hasSignedThinking(message: AssistantMessage): boolean {
	// Stryker disable next-line ConditionalExpression: only thinking blocks carry a signature
	return message.content.some((block) => block.type === "thinking" && Boolean(block.thinkingSignature));
}
