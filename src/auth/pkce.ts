import { createHash, randomBytes } from "node:crypto";

export interface Pkce {
	verifier: string;
	/** base64url(SHA-256(verifier)), sent with `code_challenge_method=S256`. */
	challenge: string;
}

/** A fresh PKCE pair: 32 random bytes as base64url (43 chars), like pi and the Codex CLI. */
export function createPkce(): Pkce {
	const verifier = randomBytes(32).toString("base64url");
	return { verifier, challenge: pkceChallenge(verifier) };
}

export function pkceChallenge(verifier: string): string {
	return createHash("sha256").update(verifier).digest("base64url");
}

/** Opaque anti-CSRF `state`: 16 random bytes as hex, like pi. */
export function createState(): string {
	return randomBytes(16).toString("hex");
}
