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
	const drop = (message: Message): message is AssistantMessage =>
		message.role === "assistant" &&
		hasSignedThinking(message) &&
		(stripAll || isForeign(message, accountId, mintedBy));
	// Nearly always: nothing to drop, and no copy of a long history per request.
	if (!context.messages.some(drop)) return context;
	const messages = context.messages.map((message) =>
		drop(message)
			? ({
					...message,
					content: message.content.map((block) =>
						// Stryker disable next-line ConditionalExpression: only thinking blocks carry a signature
						block.type === "thinking" && block.thinkingSignature
							? { ...block, thinkingSignature: undefined }
							: block,
					),
				} satisfies AssistantMessage)
			: message,
	);
	return { ...context, messages };
}

/** Minted for another account, as far as this process knows. */
function isForeign(
	message: AssistantMessage,
	accountId: string,
	mintedBy: (responseId: string) => string | undefined,
): boolean {
	const minter = message.responseId ? mintedBy(message.responseId) : undefined;
	return minter !== undefined && minter !== accountId;
}

export function hasSignedThinking(message: AssistantMessage): boolean {
	// Stryker disable next-line ConditionalExpression: only thinking blocks carry a signature
	return message.content.some((block) => block.type === "thinking" && Boolean(block.thinkingSignature));
}
