/**
 * pi-ai's Codex client without pi-ai's lazy-loading layer around it.
 *
 * The Codex client an extension can import (`streamSimpleOpenAICodexResponses` from pi-ai's compat
 * entry: pi's extension loader aliases no other path to pi's own pi-ai) is pi-ai's `lazyStream`
 * around the client module. Every call awaits a dynamic `import()` of that module and copies each
 * event into a second stream with `for await`: ~0.1 ms before each attempt is sent, which a failover
 * pays twice (bench/README.md, "Round 6"). pi alone pays it once per request too.
 *
 * The module itself is found where pi-ai runs it. The first call hands pi-ai an `onPayload` that
 * reads off the call stack the file of the function calling it: the client module
 * (`dist/api/openai-codex-responses.js`, or `chunks/openai-codex-responses-<hash>.js` in pi's
 * bundle). That module is loaded already, so importing its URL returns the very instance pi-ai
 * runs, never a second pi-ai; from then on its `streamSimple` is called directly. Anything
 * unexpected (another file on the stack, a failed import, no `streamSimple`) keeps the lazy
 * client, which does the same work, only slower.
 */
import { channel } from "node:diagnostics_channel";
import { basename, isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { CodexClient } from "../dispatch/dispatcher.ts";
import { errorAssistantMessage } from "../dispatch/error-message.ts";
import { describeError } from "../errors.ts";

type StreamSimple = CodexClient["streamSimple"];
type Options = Parameters<StreamSimple>[2];

export interface CodexClientEvent {
	/** `direct`: the module's own `streamSimple` from now on; `lazy`: pi-ai's lazy client stays. */
	mode: "direct" | "lazy";
	/** The client module's file name (direct), or why it was not used (lazy). */
	detail: string;
}

/** One `CodexClientEvent` per unwrapped client, once it knows which client it runs on. */
export const codexClientChannel = channel("pi-dispatch:codex-client");

/** pi-ai's file, or the chunk pi's bundle makes of it. */
const CLIENT_MODULE = /^openai-codex-responses(?:-[A-Za-z0-9]+)?\.m?js$/;

export function unwrapCodexClient(host: CodexClient): CodexClient {
	let direct: StreamSimple | undefined;
	let looking = true;
	const settle = (event: CodexClientEvent, found?: StreamSimple) => {
		direct = found;
		codexClientChannel.publish(event);
	};
	const find = (file: string | undefined) => {
		looking = false;
		const name = file ? basename(file) : "";
		if (!file || !CLIENT_MODULE.test(name)) {
			return settle({ mode: "lazy", detail: `onPayload was called from ${name || "an unknown file"}` });
		}
		const url = file.startsWith("file:") ? file : isAbsolute(file) ? pathToFileURL(file).href : undefined;
		if (!url) return settle({ mode: "lazy", detail: `${name} is not a file` });
		import(url).then(
			(module: { streamSimple?: unknown }) =>
				typeof module.streamSimple === "function"
					? settle({ mode: "direct", detail: name }, module.streamSimple as StreamSimple)
					: settle({ mode: "lazy", detail: `${name} has no streamSimple` }),
			(error: unknown) => settle({ mode: "lazy", detail: `${name} did not load (${describeError(error)})` }),
		);
	};
	return {
		createStream: host.createStream,
		streamSimple: (model, context, options) => {
			if (direct) return callDirect(direct, host, model, context, options);
			if (!looking) return host.streamSimple(model, context, options);
			// pi-ai awaits `onPayload` once per request, from the client module, before the request is sent.
			const onPayload: NonNullable<NonNullable<Options>["onPayload"]> = (payload, payloadModel) => {
				if (looking) find(callerFile(onPayload));
				return options?.onPayload?.(payload, payloadModel);
			};
			return host.streamSimple(model, context, { ...options, onPayload });
		},
	};
}

/**
 * The module's `streamSimple` throws for a bad set-up (no API key) where the lazy layer turned the
 * throw into the stream's error event: so does this.
 */
function callDirect(
	direct: StreamSimple,
	host: CodexClient,
	model: Parameters<StreamSimple>[0],
	context: Parameters<StreamSimple>[1],
	options: Options,
): ReturnType<StreamSimple> {
	try {
		return direct(model, context, options);
	} catch (error) {
		const reason = options?.signal?.aborted ? "aborted" : "error";
		const stream = host.createStream();
		stream.push({ type: "error", reason, error: errorAssistantMessage(model, describeError(error), reason) });
		stream.end();
		return stream;
	}
}

/** The file of the function that called `fn`, from V8's call sites (no stack text parsed). */
function callerFile(fn: (...args: never[]) => unknown): string | undefined {
	const { prepareStackTrace, stackTraceLimit } = Error;
	try {
		Error.stackTraceLimit = 1;
		Error.prepareStackTrace = (_error, sites) => sites;
		const holder: { stack?: NodeJS.CallSite[] } = {};
		Error.captureStackTrace(holder, fn);
		return holder.stack?.[0]?.getFileName() ?? undefined;
	} finally {
		Error.prepareStackTrace = prepareStackTrace;
		Error.stackTraceLimit = stackTraceLimit;
	}
}
