import { describe, expect, it } from "vitest";
import { type Observation, observingFetch, UpstreamAnswerError } from "../../src/dispatch/observing-fetch.ts";

const USAGE_HEADERS = {
	"content-type": "text/event-stream",
	"x-codex-primary-used-percent": "12",
	"x-codex-primary-window-minutes": "300",
	"retry-after": "5",
};

function answering(status: number, headers: Record<string, string> = USAGE_HEADERS, body = "data: {}\n\n") {
	return (async () => new Response(body, { status, headers })) as typeof fetch;
}

describe("observingFetch", () => {
	it("hands a success to pi-ai before its headers are read when told to defer, and reads them once asked", async () => {
		const observation: Observation = {};
		const seen: string[][] = [];
		let deferred: (() => void) | undefined;
		const fetch = observingFetch(observation, {
			onResponse: (o) => seen.push([...(o.usage ?? [])]),
			deferSuccess: (learn) => {
				deferred = learn;
			},
			cut: () => false,
			watchStream: false,
			inner: answering(200),
		});
		const response = await fetch("http://codex.test/responses");
		expect(response.status).toBe(200);
		expect(observation.status).toBe(200);
		expect(observation.usage).toBeUndefined();
		expect(seen).toEqual([]);
		deferred!();
		// Only the rate-limit headers, in Headers' (sorted) order.
		expect(seen).toEqual([
			["retry-after", "5", "x-codex-primary-used-percent", "12", "x-codex-primary-window-minutes", "300"],
		]);
		expect(await response.text()).toBe("data: {}\n\n");
	});

	it("reads a success's headers at once when nothing defers them", async () => {
		const observation: Observation = {};
		let seen = 0;
		const fetch = observingFetch(observation, {
			onResponse: () => seen++,
			cut: () => false,
			watchStream: false,
			inner: answering(200),
		});
		await fetch("http://codex.test/responses");
		expect(seen).toBe(1);
		expect(observation.usage).toContain("x-codex-primary-used-percent");
	});

	it("does not report a deferred success once an error event in its stream told another status", async () => {
		const observation: Observation = {};
		let seen = 0;
		let deferred: (() => void) | undefined;
		const fetch = observingFetch(observation, {
			onResponse: () => seen++,
			deferSuccess: (learn) => {
				deferred = learn;
			},
			cut: () => false,
			watchStream: false,
			inner: answering(200),
		});
		await fetch("http://codex.test/responses");
		observation.status = 429; // what websocket-events.ts records for a wrapped error event
		deferred!();
		expect(seen).toBe(0);
	});

	it("cuts an answer another account will handle: the body read, then an error with the service's message", async () => {
		const observation: Observation = {};
		const cuts: number[] = [];
		const fetch = observingFetch(observation, {
			onResponse: () => undefined,
			onCut: (status) => {
				cuts.push(status);
				return undefined;
			},
			cut: (status) => status === 429,
			watchStream: false,
			inner: answering(429, USAGE_HEADERS, JSON.stringify({ error: { message: "usage limit reached" } })),
		});
		const error = await fetch("http://codex.test/responses").catch((e: unknown) => e);
		expect(error).toBeInstanceOf(UpstreamAnswerError);
		expect((error as UpstreamAnswerError).message).toBe("429: usage limit reached");
		expect(cuts).toEqual([429]);
		expect(observation.errorBody).toContain("usage limit reached");
		expect(observation.headers?.["retry-after"]).toBe("5");
	});
});
