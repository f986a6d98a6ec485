export interface AuthorizationInput {
	code?: string;
	state?: string;
	/** OAuth `error`, e.g. `access_denied` when the user pressed Cancel. */
	error?: string;
}

/**
 * What a user pasted instead of the browser reaching the callback: the full redirect URL,
 * `code#state`, a `code=…&state=…` query, or the bare code.
 */
export function parseAuthorizationInput(input: string): AuthorizationInput {
	const value = input.trim();
	if (!value) return {};
	if (/^https?:\/\//i.test(value)) {
		try {
			return fromParams(new URL(value).searchParams);
		} catch {
			return {};
		}
	}
	if (/(^|[?&])(code|error)=/.test(value)) return fromParams(new URLSearchParams(value.replace(/^\?/, "")));
	if (value.includes("#")) {
		const [code, state] = value.split("#", 2);
		return compact({ code, state });
	}
	return { code: value };
}

function fromParams(params: URLSearchParams): AuthorizationInput {
	return compact({
		code: params.get("code") ?? undefined,
		state: params.get("state") ?? undefined,
		error: params.get("error") ?? undefined,
	});
}

function compact(input: AuthorizationInput): AuthorizationInput {
	const out: AuthorizationInput = {};
	if (input.code) out.code = input.code;
	if (input.state) out.state = input.state;
	if (input.error) out.error = input.error;
	return out;
}
