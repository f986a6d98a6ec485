// Error bodies as the real services send them. Sources (openai/codex):
// codex-rs/codex-api/src/api_bridge.rs (usage_limit_reached is read from
// error.type with plan_type/resets_at), codex-rs/login/src/auth/manager.rs
// (refresh errors are read from error.code or a bare error string), plus
// bodies captured from the live service in public issues and tests.

export interface ErrorReply {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
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

export function rateLimitExceeded(retryAfterSeconds: number): ErrorReply {
	return {
		status: 429,
		headers: { "retry-after": String(retryAfterSeconds) },
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

export function refreshTokenReused(): ErrorReply {
	return {
		status: 401,
		body: {
			error: {
				message:
					"Your refresh token has already been used to generate a new access token. Please try signing in again.",
				type: "invalid_request_error",
				param: null,
				code: "refresh_token_reused",
			},
		},
	};
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
