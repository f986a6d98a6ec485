/**
 * What the dispatcher's per-chunk scan of SSE bytes (observing-fetch.ts: it looks for a
 * `response.failed` code pi-ai would drop) costs, side by side with reading the same body untouched
 * and through an identity TransformStream (the piping alone, without the scan). In process, no
 * network: a 200 answer of `--deltas` text deltas in `--chunk`-byte chunks, read to the end; the
 * arms take turns, in a rotating order, round by round.
 *
 *   node bench/sse-scan.ts [--rounds 400] [--deltas 400] [--chunk 256]
 */
import { parseArgs } from "node:util";
import { observingFetch } from "../src/dispatch/observing-fetch.ts";
import { summarize } from "./lib/stats.ts";

const { values } = parseArgs({
	options: {
		rounds: { type: "string", default: "400" },
		deltas: { type: "string", default: "400" },
		chunk: { type: "string", default: "256" },
	},
});
const rounds = Number(values.rounds);
const deltas = Number(values.deltas);
const chunkSize = Number(values.chunk);

/** The bytes of a healthy Codex answer: created, `deltas` output_text deltas, completed. */
function sseBody(): Uint8Array {
	const events = [
		{ type: "response.created", response: { id: "resp_1", status: "in_progress" } },
		...Array.from({ length: deltas }, (_, i) => ({
			type: "response.output_text.delta",
			item_id: "msg_1",
			output_index: 0,
			content_index: 0,
			delta: `word${i} `,
		})),
		{ type: "response.completed", response: { id: "resp_1", status: "completed" } },
	];
	const text = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
	return new TextEncoder().encode(text);
}

const body = sseBody();
const response = () =>
	new Response(
		new ReadableStream<Uint8Array>({
			start(controller) {
				for (let at = 0; at < body.length; at += chunkSize) controller.enqueue(body.subarray(at, at + chunkSize));
				controller.close();
			},
		}),
		{ status: 200, headers: { "content-type": "text/event-stream" } },
	);

async function readAll(source: Response | ReadableStream<Uint8Array>): Promise<number> {
	let bytes = 0;
	const reader = (source instanceof Response ? source.body! : source).getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return bytes;
		bytes += value.byteLength;
	}
}

const plain = async () => readAll(await response());
const scanned = async () => {
	const fetch = observingFetch(
		{},
		{ onResponse: () => undefined, cut: () => false, watchStream: true, inner: async () => response() },
	);
	return readAll(await fetch("http://bench.invalid/responses"));
};

const piped = async () => readAll((await response()).body!.pipeThrough(new TransformStream<Uint8Array, Uint8Array>()));

const run = { untouched: plain, piped, scanned } as const;
type Arm = keyof typeof run;
const names = Object.keys(run) as Arm[];
const arms: Record<Arm, number[]> = { untouched: [], piped: [], scanned: [] };
for (let i = 0; i < 50; i++) for (const arm of names) await run[arm](); // warm-up
for (let round = 0; round < rounds; round++) {
	// Rotate which arm goes first, so none always runs on a warmer cache.
	const order = names.map((_, i) => names[(i + round) % names.length]!);
	for (const arm of order) {
		const t0 = performance.now();
		const bytes = await run[arm]();
		arms[arm].push(performance.now() - t0);
		if (bytes !== body.length) throw new Error(`${arm}: read ${bytes} of ${body.length} bytes`);
	}
}
const u = summarize(arms.untouched);
const p = summarize(arms.piped);
const s = summarize(arms.scanned);
const chunks = Math.ceil(body.length / chunkSize);
const perChunk = (ms: number) => `${((ms / chunks) * 1000).toFixed(2)} µs per chunk`;
console.log(`SSE answer: ${deltas} deltas, ${body.length} bytes in ${chunks} chunks of ${chunkSize}; ${rounds} rounds`);
console.log(`untouched body         p50 ${u.p50.toFixed(3)} ms  p99 ${u.p99.toFixed(3)} ms`);
console.log(`identity TransformStream p50 ${p.p50.toFixed(3)} ms  p99 ${p.p99.toFixed(3)} ms`);
console.log(`scanned (observingFetch) p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms`);
console.log(
	`piping: +${(p.p50 - u.p50).toFixed(3)} ms p50 (${perChunk(p.p50 - u.p50)}); ` +
		`the scan on top: +${(s.p50 - p.p50).toFixed(3)} ms p50 (${perChunk(s.p50 - p.p50)}); ` +
		`all: ×${(s.p50 / u.p50).toFixed(2)} of untouched`,
);
