/**
 * One supervisor per pi process, whatever pi does with the extension module: pi re-runs the
 * factory on /new, /resume, /fork (same module) and re-evaluates the module on /reload, and RPC
 * mode emits session_start twice on some switches. The runtime therefore lives on `globalThis`
 * under a registered symbol, and starting it is idempotent.
 */
import { type DispatchConfig, resolveConfig } from "./config.ts";
import { type CodexClient, Dispatcher } from "./dispatch/dispatcher.ts";
import { recordUsageHistory } from "./quota/history-recorder.ts";
import { Supervisor } from "./supervisor/supervisor.ts";
import type { SupervisorOptions } from "./supervisor/supervisor-options.ts";

export interface DispatchRuntime {
	config: DispatchConfig;
	dispatcher: Dispatcher;
	/** Starts the supervisor on first use; rejects with a one-line store error if the store is bad. */
	supervisor(): Promise<Supervisor>;
	/** The started supervisor, if it is running. */
	running(): Supervisor | undefined;
	stop(): Promise<void>;
}

const RUNTIME_KEY = Symbol.for("pi-dispatch.runtime");

type GlobalWithRuntime = typeof globalThis & { [RUNTIME_KEY]?: DispatchRuntime };

export function getRuntime(
	client: CodexClient,
	env: NodeJS.ProcessEnv = process.env,
	overrides: Partial<SupervisorOptions> = {},
): DispatchRuntime {
	const holder = globalThis as GlobalWithRuntime;
	const existing = holder[RUNTIME_KEY];
	if (existing) return existing;
	const runtime = createRuntime(client, resolveConfig(env), overrides);
	holder[RUNTIME_KEY] = runtime;
	return runtime;
}

/** Stops and forgets the process-wide runtime (pi quits, or reloads the extension's code). */
export async function stopRuntime(): Promise<void> {
	const holder = globalThis as GlobalWithRuntime;
	const runtime = holder[RUNTIME_KEY];
	delete holder[RUNTIME_KEY];
	await runtime?.stop();
}

export function createRuntime(
	client: CodexClient,
	config: DispatchConfig,
	overrides: Partial<SupervisorOptions> = {},
): DispatchRuntime {
	let starting: Promise<Supervisor> | undefined;
	let started: Supervisor | undefined;
	const supervisor = () => {
		starting ??= Supervisor.start({
			home: config.home,
			codexBaseUrl: config.codexBaseUrl,
			auth: config.auth,
			...(config.credits ? { credits: config.credits } : {}),
			...overrides,
		}).then(
			(s) => {
				started = s;
				recordUsageHistory(s);
				return s;
			},
			(error: unknown) => {
				starting = undefined; // let the next call retry, e.g. after the user fixed the file
				throw error;
			},
		);
		return starting;
	};
	return {
		config,
		// Once started, handed over as it is: no await (a promise hop) on every request's path.
		dispatcher: new Dispatcher(() => started ?? supervisor(), client, {
			...(config.baseUrlOverride ? { baseUrl: config.baseUrlOverride } : {}),
			...(config.transport ? { transport: config.transport } : {}),
		}),
		supervisor,
		running: () => started,
		async stop() {
			const s = started ?? (await starting?.catch(() => undefined));
			starting = undefined;
			started = undefined;
			await s?.stop();
		},
	};
}
