import { randomBytes } from "node:crypto";

// Encrypted reasoning is sealed to the account that produced it: the real
// service answers 400 invalid_encrypted_content when another account replays
// it. The fake encodes the minting account so it can tell, behind the same
// "gAAAAA" prefix real Fernet blobs carry (some clients check for it).

const PREFIX = "gAAAAA";
const MARK = "fake-enc";

export function mintEncryptedContent(accountId: string): string {
	const nonce = randomBytes(12).toString("hex");
	return PREFIX + Buffer.from(`${MARK}:${accountId}:${nonce}`).toString("base64");
}

/** Account that minted the blob, or undefined when it is not one of ours. */
export function encryptedContentOwner(blob: string): string | undefined {
	if (!blob.startsWith(PREFIX)) return undefined;
	const text = Buffer.from(blob.slice(PREFIX.length), "base64").toString("utf8");
	const parts = text.split(":");
	if (parts.length < 3 || parts[0] !== MARK) return undefined;
	return parts.slice(1, -1).join(":");
}

export interface ForeignReasoning {
	itemId: string;
	encrypted: string;
}

/** First input reasoning item this account cannot decrypt. */
export function findForeignReasoning(body: unknown, accountId: string): ForeignReasoning | undefined {
	const input = (body as { input?: unknown })?.input;
	if (!Array.isArray(input)) return undefined;
	for (const item of input) {
		if (!item || typeof item !== "object") continue;
		const { type, encrypted_content: encrypted, id } = item as Record<string, unknown>;
		if (type !== "reasoning" || typeof encrypted !== "string") continue;
		if (encryptedContentOwner(encrypted) !== accountId) {
			return { itemId: typeof id === "string" ? id : "", encrypted };
		}
	}
	return undefined;
}
