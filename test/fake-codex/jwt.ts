import { randomBytes } from "node:crypto";

// JWTs shaped like the ones auth.openai.com issues: header.payload.signature in
// base64url. The signature is random bytes: well-formed, never verifiable.

const HEADER = { alg: "RS256", kid: "fake-codex", typ: "JWT" };

// pi-ai decodes the payload with atob(), which rejects base64url's "-" and "_".
// For ASCII JSON those only appear when a byte like '>', '?', '~' or a non-ASCII
// byte lands on a 6-bit boundary, so \u-escaping exactly those keeps the token
// valid base64url (and identical JSON) while staying readable by atob().
function atobSafeJson(value: unknown): string {
	return JSON.stringify(value).replace(
		/[>?~\u007f-\uffff]/g,
		(ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
	);
}

export function base64url(input: string | Buffer): string {
	return Buffer.from(input).toString("base64url");
}

export function makeFakeJwt(payload: Record<string, unknown>): string {
	const header = base64url(atobSafeJson(HEADER));
	const body = base64url(atobSafeJson(payload));
	return `${header}.${body}.${randomBytes(32).toString("base64url")}`;
}

/** Payload of a JWT, or undefined when it is not one. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
	const parts = token.split(".");
	if (parts.length !== 3 || !parts[1]) return undefined;
	try {
		const parsed: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
		return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}
