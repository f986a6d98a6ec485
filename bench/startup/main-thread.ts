/**
 * Where pi's start-up time goes on the main thread with pi-dispatch: pi's own start-up timings
 * (`PI_TIMING=1`: the extension's "module import" and the whole `createAgentSessionRuntime`) for
 * the extension as built (the entry pi's loader transpiles, which imports the native bundle in its
 * factory), for tsc's modules beside it, and for probe extensions in the build's ES module scope,
 * which pi's loader imports natively: nothing, pi-ai's `compat` entry (a second pi-ai, as tsc's
 * modules load it), two of pi-ai's modules, and the npm dependencies (piscina, p-queue, lru-cache,
 * eventemitter3, p-retry).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { interleave } from "../lib/interleave.ts";
import { type Summary, summarize } from "../lib/stats.ts";
import { type PiArm, runPiPrint } from "./pi-env.ts";

const PROBES = {
	"probe: empty extension": "export default function () {}\n",
	"probe: imports @earendil-works/pi-ai/compat natively": [
		'import { createAssistantMessageEventStream } from "@earendil-works/pi-ai/compat";',
		"export default function () { void createAssistantMessageEventStream; }",
		"",
	].join("\n"),
	// What pi-dispatch uses of pi-ai, from the two modules that define it instead of the `compat` barrel.
	"probe: imports pi-ai's Codex stream + event-stream modules natively": [
		'import { streamSimple } from "@earendil-works/pi-ai/api/openai-codex-responses";',
		'import { createAssistantMessageEventStream } from "@earendil-works/pi-ai/utils/event-stream";',
		"export default function () { void [streamSimple, createAssistantMessageEventStream]; }",
		"",
	].join("\n"),
	"probe: imports the npm dependencies only": [
		'import { EventEmitter } from "eventemitter3";',
		'import { LRUCache } from "lru-cache";',
		'import PQueue from "p-queue";',
		'import pRetry from "p-retry";',
		'import { Piscina } from "piscina";',
		"export default function () { void [EventEmitter, LRUCache, PQueue, pRetry, Piscina]; }",
		"",
	].join("\n"),
};

export interface MainThreadRow {
	arm: string;
	runs: number;
	/** pi's "<extension> module import" timing. */
	moduleImportMs: Summary;
	/** pi's `createAgentSessionRuntime` timing (extensions are loaded inside it). */
	sessionRuntimeMs: Summary;
	/** Runs whose stderr had no PI_TIMING figures (another pi version's format). */
	unavailable: number;
}

/**
 * `dispatch` is the 1-account arm; the probes run with its environment from the build folder.
 * `beside`: more pi-dispatch arms by name (tsc's modules), measured in the same rounds.
 */
export async function measureMainThread(
	dispatch: PiArm,
	buildDir: string,
	rounds: number,
	beside: Record<string, PiArm> = {},
): Promise<MainThreadRow[]> {
	const arms: Record<string, PiArm> = { "pi-dispatch (1 account)": dispatch, ...beside };
	for (const [name, source] of Object.entries(PROBES)) {
		const file = join(buildDir, `startup-${name.replace(/\W+/g, "-")}.js`);
		await writeFile(file, source);
		arms[name] = { ...dispatch, name, args: ["--no-session", "-ne", "-e", file] };
	}
	const timings = new Map<string, { importMs: number[]; runtimeMs: number[] }>(
		Object.keys(arms).map((name) => [name, { importMs: [], runtimeMs: [] }]),
	);
	const WARMUP = 1;
	let done = 0;
	const samples = await interleave(
		Object.fromEntries(
			Object.entries(arms).map(([name, arm]) => [
				name,
				async () => {
					// The probes answer nothing (no provider of theirs); only the timings count.
					const run = await runPiPrint({ ...arm, env: { ...arm.env, PI_TIMING: "1" } });
					const importMs = /module import: (\d+)ms/.exec(run.stderr)?.[1];
					const runtimeMs = /createAgentSessionRuntime: (\d+)ms/.exec(run.stderr)?.[1];
					// pi's timing lines are not an API: a pi that prints others leaves this table empty.
					if (importMs === undefined || runtimeMs === undefined) return "no PI_TIMING figures on stderr";
					if (done >= WARMUP * Object.keys(arms).length) {
						timings.get(name)!.importMs.push(Number(importMs));
						timings.get(name)!.runtimeMs.push(Number(runtimeMs));
					}
					return run.wallMs;
				},
			]),
		),
		{
			rounds,
			warmup: WARMUP,
			after: async () => {
				done++;
			},
		},
	);
	return [...timings].map(([arm, t]) => ({
		arm,
		runs: t.importMs.length,
		moduleImportMs: summarize(t.importMs),
		sessionRuntimeMs: summarize(t.runtimeMs),
		unavailable: samples[arm]!.errors,
	}));
}
