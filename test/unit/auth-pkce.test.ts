import { describe, expect, it } from "vitest";
import { createPkce, createState, pkceChallenge } from "../../src/auth/pkce.ts";

describe("pkce", () => {
	it("computes S256 challenges (RFC 7636 appendix B)", () => {
		expect(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
			"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		);
	});

	it("makes fresh 43-char base64url verifiers matching their challenge", () => {
		const a = createPkce();
		const b = createPkce();
		expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(a.challenge).toBe(pkceChallenge(a.verifier));
		expect(a.verifier).not.toBe(b.verifier);
	});

	it("makes 128-bit hex states", () => {
		expect(createState()).toMatch(/^[0-9a-f]{32}$/);
		expect(createState()).not.toBe(createState());
	});
});
