// Error bodies as the real services send them. Sources (openai/codex):
// codex-rs/codex-api/src/api_bridge.rs (usage_limit_reached is read from
// error.type with plan_type/resets_at), codex-rs/login/src/auth/manager.rs
// (refresh errors are read from error.code or a bare error string), plus
// bodies captured from the live service in public issues and tests.

export interface ErrorReply {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
	/** Sent instead of the JSON body (an HTML page, an empty body). */
	text?: string;
	contentType?: string;
}

export function usageLimitReached(plan: string, resetsAtSec: number, nowMs = Date.now()): ErrorReply {
	return {
		status: 429,
		body: {
			error: {
				type: "usage_limit_reached",
				message: "The usage limit has been reached",
				plan_type: plan,
				resets_at: resetsAtSec,
				eligible_promo: null,
				resets_in_seconds: Math.max(0, resetsAtSec - Math.floor(nowMs / 1000)),
			},
		},
	};
}

export function rateLimitExceeded(retryAfterSeconds: number, withRetryAfter = true): ErrorReply {
	return {
		status: 429,
		...(withRetryAfter ? { headers: { "retry-after": String(retryAfterSeconds) } } : {}),
		body: {
			error: {
				message: `Rate limit reached. Please try again in ${retryAfterSeconds}s.`,
				type: "rate_limit_exceeded",
				param: null,
				code: "rate_limit_exceeded",
			},
		},
	};
}

export function tokenExpired(): ErrorReply {
	return {
		status: 401,
		body: {
			error: {
				message: "Provided authentication token is expired. Please try signing in again.",
				type: null,
				code: "token_expired",
				param: null,
			},
			status: 401,
		},
	};
}

export function tokenInvalidated(): ErrorReply {
	return {
		status: 401,
		body: {
			error: {
				message: "Your authentication token has been invalidated. Please try signing in again.",
				type: "invalid_request_error",
				code: "token_invalidated",
				param: null,
			},
			status: 401,
		},
	};
}

/** Missing bearer or a token presented for another workspace. */
export function unauthorizedDetail(): ErrorReply {
	return { status: 401, body: { detail: "Unauthorized" } };
}

export function serverError(status: 500 | 502 | 503, requestId: string): ErrorReply {
	if (status === 503) {
		// codex-rs maps 503 + server_is_overloaded to ServerOverloaded.
		return {
			status,
			body: {
				error: {
					message: "Our servers are currently overloaded. Please try again later.",
					type: "server_error",
					param: null,
					code: "server_is_overloaded",
				},
			},
		};
	}
	if (status === 502) return { status, body: { detail: "Bad Gateway" } };
	return {
		status,
		body: {
			error: {
				message: `An error occurred while processing your request. You can retry your request, or contact us through our help center at help.openai.com if the error persists. Please include the request ID ${requestId} in your message.`,
				type: "server_error",
				param: null,
				code: "server_error",
			},
		},
	};
}

export function invalidEncryptedContent(encrypted: string): ErrorReply {
	const shown = encrypted.length > 12 ? `${encrypted.slice(0, 8)}...${encrypted.slice(-4)}` : encrypted;
	return {
		status: 400,
		body: {
			error: {
				message: `The encrypted content ${shown} could not be verified. Reason: Encrypted content could not be decrypted or parsed.`,
				type: "invalid_request_error",
				param: null,
				code: "invalid_encrypted_content",
			},
		},
	};
}

/** The Codex backend answers malformed requests with a bare FastAPI-style detail. */
export function badRequestDetail(detail: string): ErrorReply {
	return { status: 400, body: { detail } };
}

const REFRESH_MESSAGES = {
	refresh_token_reused:
		"Your refresh token has already been used to generate a new access token. Please try signing in again.",
	refresh_token_expired: "Your refresh token has expired. Please try signing in again.",
	refresh_token_invalidated: "Your refresh token has been invalidated. Please try signing in again.",
} as const;

/** Refresh refusals: at 401 (Lampese/codex-switcher#37) and at 400 (openai/codex PR #24830). */
export function refreshTokenError(
	code: keyof typeof REFRESH_MESSAGES = "refresh_token_reused",
	status = 401,
): ErrorReply {
	return {
		status,
		body: { error: { message: REFRESH_MESSAGES[code], type: "invalid_request_error", param: null, code } },
	};
}

export function refreshTokenReused(): ErrorReply {
	return refreshTokenError("refresh_token_reused", 401);
}

/** 402 on /codex/responses for a lapsed Team/Business workspace (yilewang/llm-for-zotero#74). */
export function deactivatedWorkspace(): ErrorReply {
	return { status: 402, body: { detail: { code: "deactivated_workspace" } } };
}

/** 429 for a plan without Codex (codex-rs api_bridge.rs reads `error.type == "usage_not_included"`). */
export function usageNotIncluded(plan: string): ErrorReply {
	return {
		status: 429,
		body: {
			error: {
				type: "usage_not_included",
				message: "Codex is not included in your plan.",
				plan_type: plan,
			},
		},
	};
}

/** 400 for a model the plan does not offer (openai/codex#6603, #25838; Free vs Plus, kaitranntt/ccs#1460). */
export function modelNotSupported(model: string): ErrorReply {
	return badRequestDetail(`The '${model}' model is not supported when using Codex with a ChatGPT account.`);
}

/** RFC 6749 form, which codex-rs also treats as a permanent refresh failure. */
export function invalidGrant(description: string): ErrorReply {
	return { status: 400, body: { error: "invalid_grant", error_description: description } };
}

export function oauthError(error: string, description: string, status = 400): ErrorReply {
	return { status, body: { error, error_description: description } };
}

export function tokenServerError(): ErrorReply {
	return {
		status: 500,
		body: { error: { message: "Internal server error", type: "server_error", param: null, code: "internal_error" } },
	};
}

/**
 * 403 from Cloudflare in front of chatgpt.com: an empty body with a cf-ray ("Unknown error",
 * openai/codex#18681, #9271; IP/VPN related) or its HTML challenge page (openai/codex#4284).
 */
export function forbidden(body: "empty" | "html"): ErrorReply {
	const headers = { "cf-ray": "8f00000000000000-FRA", server: "cloudflare" };
	if (body === "empty") return { status: 403, body: undefined, text: "", contentType: "text/plain", headers };
	const page = "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>cf challenge</body></html>";
	return { status: 403, body: undefined, text: page, contentType: "text/html; charset=UTF-8", headers };
}
