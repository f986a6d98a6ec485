/**
 * What the dispatcher's per-chunk scan of SSE bytes (observing-fetch.ts: it looks for a
 * `response.failed` code pi-ai would drop) costs, side by side with reading the same body untouched.
 * In process, no network: a 200 answer of `--deltas` text deltas in `--chunk`-byte chunks, read to
 * the end through `fetch`'s Response either way; the arms alternate round by round.
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

async function readAll(res: Response): Promise<number> {
	let bytes = 0;
	const reader = res.body!.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return bytes;
		bytes += value.byteLength;
	}
}

const plain = async () => readAll(await response());
const scanned = async () => {
	const fetch = observingFetch({}, { onResponse: () => undefined, cut: () => false, inner: async () => response() });
	return readAll(await fetch("http://bench.invalid/responses"));
};

const arms = { untouched: [] as number[], scanned: [] as number[] };
for (let i = 0; i < 50; i++) await Promise.all([plain(), scanned()]); // warm-up
for (let round = 0; round < rounds; round++) {
	// Alternate which arm goes first, so neither always runs on a warmer cache.
	const order = round % 2 === 0 ? (["untouched", "scanned"] as const) : (["scanned", "untouched"] as const);
	for (const arm of order) {
		const t0 = performance.now();
		const bytes = await (arm === "untouched" ? plain() : scanned());
		arms[arm].push(performance.now() - t0);
		if (bytes !== body.length) throw new Error(`${arm}: read ${bytes} of ${body.length} bytes`);
	}
}
const u = summarize(arms.untouched);
const s = summarize(arms.scanned);
const chunks = Math.ceil(body.length / chunkSize);
console.log(
	`SSE answer: ${deltas} deltas, ${body.length} bytes in ${chunks} chunks of ${chunkSize}; ${rounds} rounds, arms alternating`,
);
console.log(`untouched body  p50 ${u.p50.toFixed(3)} ms  p99 ${u.p99.toFixed(3)} ms`);
console.log(`scanned body    p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms`);
console.log(
	`scan cost: +${(s.p50 - u.p50).toFixed(3)} ms p50 per answer (×${(s.p50 / u.p50).toFixed(2)}), ` +
		`${(((s.p50 - u.p50) / chunks) * 1000).toFixed(2)} µs per chunk`,
);
