/**
 * Credentials at rest in a shared Redis: AES-256-GCM with a key the user supplies
 * (`PI_DISPATCH_POOL_KEY`, 32 bytes as 64 hex digits or base64). The account id is the
 * additional authenticated data, so a ciphertext moved onto another account does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { AccountCredentials } from "../account-record.ts";
import { StoreConfigError } from "../store-errors.ts";

/** What replaces `credentials` in a stored record when a key is set. */
export interface SealedCredentials {
	sealed: string;
}

export function parsePoolKey(text: string): Buffer {
	const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
	if (key.length !== 32) {
		throw new StoreConfigError(
			"PI_DISPATCH_POOL_KEY must be 32 bytes: 64 hex digits or base64 (openssl rand -hex 32)",
		);
	}
	return key;
}

export function seal(key: Buffer, accountId: string, credentials: AccountCredentials): SealedCredentials {
	const iv = randomBytes(12);
	const cipher = createCipheriv("aes-256-gcm", key, iv);
	cipher.setAAD(Buffer.from(accountId, "utf8"));
	const body = Buffer.concat([cipher.update(JSON.stringify(credentials), "utf8"), cipher.final()]);
	return {
		sealed: `v1.${iv.toString("base64")}.${cipher.getAuthTag().toString("base64")}.${body.toString("base64")}`,
	};
}

/** The credentials, or a reason (no key, wrong key, damaged) — never the bytes. */
export function unseal(key: Buffer | undefined, accountId: string, sealed: string): AccountCredentials | string {
	if (!key) return "they are encrypted and no PI_DISPATCH_POOL_KEY is set";
	const [version, iv, tag, body] = sealed.split(".");
	if (version !== "v1" || !iv || !tag || body === undefined) return "unknown encryption format";
	try {
		const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
		decipher.setAAD(Buffer.from(accountId, "utf8"));
		decipher.setAuthTag(Buffer.from(tag, "base64"));
		const text = Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
		return JSON.parse(text) as AccountCredentials;
	} catch {
		return "PI_DISPATCH_POOL_KEY does not open them";
	}
}

export function isSealed(value: unknown): value is SealedCredentials {
	return typeof (value as SealedCredentials | undefined)?.sealed === "string";
}
