/**
 * The `fetch` handed to pi-ai's Codex client for one attempt. pi-ai does the HTTP and SSE work;
 * this only records what came back (status, headers, and the body of an error answer) so the
 * dispatcher can classify a failure from data instead of parsing pi-ai's error text. pi-ai calls
 * `fetch` only on its SSE transport, which the dispatcher forces.
 */
export interface Observation {
	status?: number;
	/** An error answer's headers, all of them; a success's once made from `usage` (see `observedHeaders`). */
	headers?: Record<string, string>;
	/** A success's rate-limit headers as name/value pairs (see `rateLimitPairs`). */
	usage?: string[];
	errorBody?: string;
	/** A 200 stream that ended in `response.failed` or `error`: the service's code and message. */
	streamError?: { code?: string; message?: string };
	/** The fetch itself failed (connection refused, reset before headers, …). */
	networkError?: unknown;
}

type FetchFunction = typeof globalThis.fetch;

/**
 * An answer the dispatcher will route around (quota, 401, 5xx): thrown from `fetch` so pi-ai ends
 * the attempt at once instead of reading and parsing the body a second time.
 */
export class UpstreamAnswerError extends Error {
	override name = "UpstreamAnswerError";
	readonly status: number;
	constructor(status: number, message: string) {
		super(message);
		this.status = status;
	}
}

export interface ObservingFetchOptions {
	/** Runs as soon as the status and headers are known (and an error body is read). */
	onResponse(observation: Observation): void;
	/**
	 * When given, a success's reading of its headers and `onResponse` are handed here to run a moment
	 * later (once), so that pi-ai gets the answer first: `learn` reads and reports them.
	 */
	deferSuccess?(learn: () => void): void;
	/** Statuses to cut short with an UpstreamAnswerError; others reach pi-ai as they came. */
	cut(status: number): boolean;
	/**
	 * Runs as soon as the status line of an answer to cut is known. When it returns a promise, the
	 * body is read (and `onResponse` runs) once that settles: off the path of whatever runs meanwhile.
	 */
	onCut?(status: number): Promise<unknown> | undefined;
	/**
	 * Scan a 200 stream's bytes for a failure event's code. Off once pi-ai is known to hand every
	 * SSE event to `onProviderStreamEvent` (pi-ai ≥ 1.x), where the same code is read for free.
	 */
	watchStream: boolean;
	inner?: FetchFunction;
}

export function observingFetch(observation: Observation, options: ObservingFetchOptions): FetchFunction {
	const inner = options.inner ?? globalThis.fetch;
	return async (input, init) => {
		let response: Response;
		try {
			response = await inner(input, init);
		} catch (error) {
			observation.networkError = error;
			throw error;
		}
		observation.status = response.status;
		if (response.ok) {
			const learn = () => {
				// A success is read for its usage only: the rate-limit headers, not the whole set.
				observation.usage = rateLimitPairs(response.headers);
				// Unless an error event in the stream has told its own answer meanwhile (see websocket-events.ts).
				if (observation.status === response.status) options.onResponse(observation);
			};
			if (options.deferSuccess) options.deferSuccess(learn);
			else learn();
			return options.watchStream ? watchingFailures(response, observation) : response;
		}
		observation.headers = headersToRecord(response.headers);
		const cut = options.cut(response.status);
		if (cut) await options.onCut?.(response.status);
		const text = await response.text();
		observation.errorBody = text;
		options.onResponse(observation);
		if (cut) throw new UpstreamAnswerError(response.status, errorText(response.status, text));
		// pi-ai reads the error body once more and words the error itself.
		return new Response(text, {
			status: response.status,
			statusText: response.statusText,
			headers: response.headers,
		});
	};
}

/** The service's own message when the body has one; never more than that. */
function errorText(status: number, body: string): string {
	try {
		const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
		if (typeof message === "string" && message) return `${status}: ${message}`;
	} catch {
		// not JSON
	}
	return `HTTP ${status}`;
}

function headersToRecord(headers: Headers): Record<string, string> {
	const record: Record<string, string> = {};
	headers.forEach((value, key) => {
		record[key] = value;
	});
	return record;
}

/** The headers the usage is read from (`x-codex-*`, `retry-after*`): less to copy, scan and hand on. */
export function rateLimitHeaders(headers: Headers | Record<string, string>): Record<string, string> {
	return pairsToRecord(rateLimitPairs(headers));
}

/**
 * The rate-limit headers as `[name, value, name, value, …]`, in the order `Headers` yields them
 * (sorted): a success's are compared with the last answer's as they are (see ActorHandle.knows),
 * and made into an object only when they are news.
 */
export function rateLimitPairs(headers: Headers | Record<string, string>): string[] {
	const pairs: string[] = [];
	const keep = (value: string, key: string) => {
		if (key.startsWith("x-codex-") || key.startsWith("retry-after")) pairs.push(key, value);
	};
	if (headers instanceof Headers) headers.forEach(keep);
	else for (const key in headers) keep(headers[key]!, key);
	return pairs;
}

function pairsToRecord(pairs: readonly string[]): Record<string, string> {
	const record: Record<string, string> = {};
	for (let i = 0; i < pairs.length; i += 2) record[pairs[i]!] = pairs[i + 1]!;
	return record;
}

/** The observed answer's headers as an object: an error's as they are, a success's made from its pairs. */
export function observedHeaders(observation: Observation): Record<string, string> | undefined {
	if (!observation.headers && observation.usage) observation.headers = pairsToRecord(observation.usage);
	return observation.headers;
}

/**
 * pi-ai turns `response.failed` into an error whose text is the message alone; the code that says
 * whether the request or the account failed is only in the bytes. The body passes through untouched;
 * only lines that can be a failure event are parsed. pi-ai reads the body with `getReader()`, so the
 * reads of that reader are watched: no second stream in between (a TransformStream cost about
 * 0.2 ms of main thread per answer). Any other way of reading the body is left unwatched.
 */
function watchingFailures(response: Response, observation: Observation): Response {
	const body = response.body;
	if (!body) return response;
	const decoder = new TextDecoder();
	let line = "";
	const scan = (text: string): void => {
		const joined = line + text;
		// The healthy path: no failure event can be in here, keep only the unfinished line.
		if (!FAILURE_TYPE.test(joined)) {
			line = joined.slice(joined.lastIndexOf("\n") + 1);
			return;
		}
		const lines = joined.split("\n");
		line = lines.pop() ?? "";
		for (const candidate of lines) {
			if (candidate.startsWith("data:") && FAILURE_TYPE.test(candidate))
				noteFailure(candidate.slice(5), observation);
		}
	};
	const getReader = body.getReader.bind(body) as (options?: unknown) => ReadableStreamDefaultReader<Uint8Array>;
	body.getReader = ((options?: { mode?: string }) => {
		const reader = getReader(options);
		if (options?.mode === "byob") return reader;
		const read = reader.read.bind(reader);
		reader.read = async () => {
			const result = await read();
			scan(result.done ? `${decoder.decode()}\n` : decoder.decode(result.value, { stream: true }));
			return result;
		};
		return reader;
	}) as typeof body.getReader;
	return response;
}

/** A failure event's own type (a `response.completed` carries `"error":null`, which is none). */
const FAILURE_TYPE = /"type"\s*:\s*"(?:response\.failed|error)"/;

function noteFailure(data: string, observation: Observation): void {
	let event: unknown;
	try {
		event = JSON.parse(data);
	} catch {
		return;
	}
	noteStreamFailure(observation, event);
}

/**
 * A `response.failed` or `error` event's code and message, as the byte scan above and pi-ai's
 * `onProviderStreamEvent` (see websocket-events.ts) both read them.
 */
export function noteStreamFailure(observation: Observation, event: unknown): void {
	if (!event || typeof event !== "object") return;
	const { type, error, response } = event as { type?: unknown; error?: unknown; response?: { error?: unknown } };
	const failure = type === "response.failed" ? response?.error : type === "error" ? (error ?? event) : undefined;
	if (!failure || typeof failure !== "object") return;
	const { code, message } = failure as { code?: unknown; message?: unknown };
	observation.streamError = {
		...(typeof code === "string" ? { code } : {}),
		...(typeof message === "string" ? { message } : {}),
	};
}
