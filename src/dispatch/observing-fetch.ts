/**
 * The `fetch` handed to pi-ai's Codex client for one attempt. pi-ai does the HTTP and SSE work;
 * this only records what came back (status, headers, and the body of an error answer) so the
 * dispatcher can classify a failure from data instead of parsing pi-ai's error text. pi-ai calls
 * `fetch` only on its SSE transport, which the dispatcher forces.
 */
export interface Observation {
	status?: number;
	headers?: Record<string, string>;
	errorBody?: string;
	/** The fetch itself failed (connection refused, reset before headers, …). */
	networkError?: unknown;
}

type FetchFunction = typeof globalThis.fetch;

/** `onResponse` runs as soon as the status and headers are known (and an error body is read). */
export function observingFetch(
	observation: Observation,
	onResponse: (observation: Observation) => void,
	inner: FetchFunction = globalThis.fetch,
): FetchFunction {
	return async (input, init) => {
		let response: Response;
		try {
			response = await inner(input, init);
		} catch (error) {
			observation.networkError = error;
			throw error;
		}
		observation.status = response.status;
		observation.headers = headersToRecord(response.headers);
		if (response.ok) {
			onResponse(observation);
			return response;
		}
		// pi-ai reads the error body once; read it here and hand it a copy.
		const text = await response.text();
		observation.errorBody = text;
		onResponse(observation);
		return new Response(text, {
			status: response.status,
			statusText: response.statusText,
			headers: response.headers,
		});
	};
}

function headersToRecord(headers: Headers): Record<string, string> {
	const record: Record<string, string> = {};
	headers.forEach((value, key) => {
		record[key] = value;
	});
	return record;
}
