import { randomBytes } from "node:crypto";
import { oauthError } from "./errors.ts";
import { begin, type RouteContext, replyJson } from "./route-context.ts";
import type { RequestLogEntry } from "./types.ts";

// GET /oauth/authorize: the fake user approves at once and the browser is sent
// back to redirect_uri with ?code=…&scope=…&state=… (or error=access_denied).
// Who logs in: login_hint (account id or email), else nextLoginAccountId.

const CODE_TTL_MS = 10 * 60_000;

function redirect(ctx: RouteContext, entry: RequestLogEntry, target: URL, params: Record<string, string>): void {
	for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
	ctx.res.writeHead(302, { location: target.toString(), "x-request-id": ctx.requestId });
	ctx.res.end();
	ctx.state.patch(entry, { status: 302 });
}

export async function handleAuthorize(ctx: RouteContext): Promise<void> {
	const { state, url } = ctx;
	const q = url.searchParams;
	const entry = begin(ctx, { route: "authorize", body: Object.fromEntries(q) });

	let target: URL;
	try {
		target = new URL(q.get("redirect_uri") ?? "");
	} catch {
		// Without a usable redirect_uri the error can only be shown, never redirected.
		return replyJson(ctx, entry, oauthError("invalid_request", "Missing or invalid redirect_uri"));
	}
	const oauthState = q.get("state") ?? "";
	const fail = (error: string, description: string) =>
		redirect(ctx, entry, target, {
			error,
			error_description: description,
			...(oauthState ? { state: oauthState } : {}),
		});

	if (q.get("response_type") !== "code") return fail("unsupported_response_type", "response_type must be code");
	const challenge = q.get("code_challenge");
	if (!challenge || q.get("code_challenge_method") !== "S256") {
		return fail("invalid_request", "PKCE with code_challenge_method=S256 is required");
	}
	if (state.authorize.deny) return fail("access_denied", "The user denied the request");

	const hint = q.get("login_hint");
	const account = hint
		? (state.accounts.get(hint) ?? [...state.accounts.values()].find((a) => a.email === hint))
		: state.nextLoginAccountId
			? state.accounts.get(state.nextLoginAccountId)
			: undefined;
	if (!account) return fail("access_denied", "No account is available to log in");

	const code = `ac_${randomBytes(24).toString("base64url")}`;
	state.codes.set(code, {
		accountId: account.accountId,
		challenge,
		redirectUri: q.get("redirect_uri") ?? "",
		clientId: q.get("client_id") ?? "",
		expiresAt: Date.now() + CODE_TTL_MS,
		used: false,
	});
	state.patch(entry, { accountId: account.accountId });
	redirect(ctx, entry, target, {
		code,
		scope: q.get("scope") ?? "openid profile email offline_access",
		...(oauthState ? { state: oauthState } : {}),
	});
}
