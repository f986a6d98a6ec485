import { randomBytes } from "node:crypto";
import { mintEncryptedContent } from "./reasoning.ts";
import type { ResponsePlan } from "./types.ts";

// Builds the Responses API event sequence the Codex backend streams: the
// created/in_progress preamble, then reasoning, message and function_call
// items with their part/delta/done events, then response.completed with usage.
// Shapes follow the OpenAI Responses streaming events as consumed by
// codex-rs/codex-api/src/sse/responses.rs and pi-ai's openai-responses-shared.

export interface StreamEvent {
	type: string;
	data: Record<string, unknown>;
	/** A *.delta event (counted for cut-mid-stream and paced by interTokenDelayMs). */
	delta?: boolean;
}

export interface BuildInput {
	accountId: string;
	plan: ResponsePlan;
	request: Record<string, unknown>;
	inputTokens: number;
	cachedTokens: number;
}

const REASONING_SUMMARY = "**Considering the request**\n\nThe user wants a short answer, so I will reply briefly.";

function hex(bytes: number): string {
	return randomBytes(bytes).toString("hex");
}

/** One chunk per word by default, else `count` nearly equal chunks. */
export function splitText(text: string, count?: number): string[] {
	if (text === "") return [];
	if (count === undefined) return text.split(/(?<=\s)(?=\S)/);
	const chars = Array.from(text);
	const n = Math.min(Math.max(1, Math.floor(count)), chars.length);
	const out: string[] = [];
	for (let i = 0; i < n; i++) {
		out.push(chars.slice(Math.floor((i * chars.length) / n), Math.floor(((i + 1) * chars.length) / n)).join(""));
	}
	return out;
}

export function estimateTokens(text: string): number {
	return Math.ceil(text.length / 4);
}

export function estimateInputTokens(request: Record<string, unknown>): number {
	const { instructions, input, tools } = request;
	return estimateTokens(JSON.stringify({ instructions, input, tools }));
}

export function newResponseId(): string {
	return `resp_${hex(24)}`;
}

/** The response object as response.created carries it (status in_progress, no output yet). */
export function baseResponse(id: string, request: Record<string, unknown>): Record<string, unknown> {
	const reasoning = (request.reasoning ?? {}) as Record<string, unknown>;
	const text = (request.text ?? {}) as Record<string, unknown>;
	return {
		id,
		object: "response",
		created_at: Math.floor(Date.now() / 1000),
		status: "in_progress",
		background: false,
		error: null,
		incomplete_details: null,
		instructions: request.instructions ?? null,
		max_output_tokens: null,
		max_tool_calls: null,
		model: request.model ?? "gpt-5.5",
		output: [],
		parallel_tool_calls: request.parallel_tool_calls ?? true,
		previous_response_id: null,
		prompt_cache_key: request.prompt_cache_key ?? null,
		reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
		safety_identifier: null,
		service_tier: "default",
		store: false,
		temperature: request.temperature ?? 1,
		text: { format: { type: "text" }, verbosity: text.verbosity ?? "medium" },
		tool_choice: request.tool_choice ?? "auto",
		tools: request.tools ?? [],
		top_logprobs: 0,
		top_p: 1,
		truncation: "disabled",
		usage: null,
		user: null,
		metadata: {},
	};
}

export function preambleEvents(response: Record<string, unknown>): StreamEvent[] {
	return [
		{ type: "response.created", data: { response } },
		{ type: "response.in_progress", data: { response } },
	];
}

function reasoningEvents(index: number, accountId: string, encrypted: boolean) {
	const id = `rs_${hex(24)}`;
	const base = { item_id: id, output_index: index, summary_index: 0 };
	const done = {
		id,
		type: "reasoning",
		summary: [{ type: "summary_text", text: REASONING_SUMMARY }],
		...(encrypted ? { encrypted_content: mintEncryptedContent(accountId) } : {}),
	};
	const events: StreamEvent[] = [
		{
			type: "response.output_item.added",
			data: { output_index: index, item: { id, type: "reasoning", summary: [] } },
		},
		{ type: "response.reasoning_summary_part.added", data: { ...base, part: { type: "summary_text", text: "" } } },
		...splitText(REASONING_SUMMARY, 3).map((delta) => ({
			type: "response.reasoning_summary_text.delta",
			data: { ...base, delta },
			delta: true,
		})),
		{ type: "response.reasoning_summary_text.done", data: { ...base, text: REASONING_SUMMARY } },
		{
			type: "response.reasoning_summary_part.done",
			data: { ...base, part: { type: "summary_text", text: REASONING_SUMMARY } },
		},
		{ type: "response.output_item.done", data: { output_index: index, item: done } },
	];
	return { events, item: done };
}

function messageEvents(index: number, text: string, deltas: number | undefined) {
	const id = `msg_${hex(24)}`;
	const base = { item_id: id, output_index: index, content_index: 0 };
	const part = (t: string) => ({ type: "output_text", annotations: [], logprobs: [], text: t });
	const done = { id, type: "message", status: "completed", content: [part(text)], role: "assistant" };
	const events: StreamEvent[] = [
		{
			type: "response.output_item.added",
			data: {
				output_index: index,
				item: { id, type: "message", status: "in_progress", content: [], role: "assistant" },
			},
		},
		{ type: "response.content_part.added", data: { ...base, part: part("") } },
		...splitText(text, deltas).map((delta) => ({
			type: "response.output_text.delta",
			data: { ...base, delta, logprobs: [] },
			delta: true,
		})),
		{ type: "response.output_text.done", data: { ...base, text, logprobs: [] } },
		{ type: "response.content_part.done", data: { ...base, part: part(text) } },
		{ type: "response.output_item.done", data: { output_index: index, item: done } },
	];
	return { events, item: done };
}

function functionCallEvents(index: number, call: { name: string; arguments: string }) {
	const id = `fc_${hex(24)}`;
	const item = {
		id,
		type: "function_call",
		call_id: `call_${randomBytes(12).toString("base64url")}`,
		name: call.name,
	};
	const done = { ...item, status: "completed", arguments: call.arguments };
	const events: StreamEvent[] = [
		{
			type: "response.output_item.added",
			data: { output_index: index, item: { ...item, status: "in_progress", arguments: "" } },
		},
		...splitText(call.arguments, 3).map((delta) => ({
			type: "response.function_call_arguments.delta",
			data: { item_id: id, output_index: index, delta },
			delta: true,
		})),
		{
			type: "response.function_call_arguments.done",
			data: { item_id: id, output_index: index, arguments: call.arguments },
		},
		{ type: "response.output_item.done", data: { output_index: index, item: done } },
	];
	return { events, item: done };
}

/** Full successful stream for one request. */
export function buildResponseEvents(input: BuildInput, responseId = newResponseId()): StreamEvent[] {
	const { plan, request, accountId } = input;
	const response = baseResponse(responseId, request);
	const include = Array.isArray(request.include) ? request.include : [];
	const text = plan.text ?? (plan.toolCall ? undefined : `Hello from ${accountId}.`);
	const events = preambleEvents(response);
	const output: unknown[] = [];
	const add = (part: { events: StreamEvent[]; item: unknown }) => {
		events.push(...part.events);
		output.push(part.item);
	};
	if (plan.reasoning) add(reasoningEvents(output.length, accountId, include.includes("reasoning.encrypted_content")));
	if (text !== undefined) add(messageEvents(output.length, text, plan.deltas));
	if (plan.toolCall) add(functionCallEvents(output.length, plan.toolCall));

	const o = plan.usage ?? {};
	const reasoningTokens = o.reasoningTokens ?? (plan.reasoning ? estimateTokens(REASONING_SUMMARY) + 16 : 0);
	const outputTokens =
		o.outputTokens ?? estimateTokens(text ?? "") + estimateTokens(plan.toolCall?.arguments ?? "") + reasoningTokens;
	const inputTokens = o.inputTokens ?? input.inputTokens;
	const usage = {
		input_tokens: inputTokens,
		input_tokens_details: { cached_tokens: o.cachedTokens ?? input.cachedTokens },
		output_tokens: outputTokens,
		output_tokens_details: { reasoning_tokens: reasoningTokens },
		total_tokens: inputTokens + outputTokens,
	};
	events.push({ type: "response.completed", data: { response: { ...response, status: "completed", output, usage } } });
	return events;
}
