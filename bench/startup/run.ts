/**
 * One start-up run: the build (tsc + the worker bundle, cached in the temp folder), the fake Codex
 * backend in this process (for its request log), then, side by side round by round: the per-actor
 * cost arms, `pi -p` alone and with pi-dispatch at each account count, pi's own main-thread timings,
 * and last the many-processes fleet.
 */
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXTENSION_ENTRY } from "../../scripts/build.ts";
import { ACTOR_DEFAULTS } from "../../src/supervisor/supervisor-options.ts";
import { startFakeCodex } from "../../test/fake-codex/index.ts";
import { installLikePi } from "../../test/helpers/install-like-pi.ts";
import { actorWorkerBuild } from "../lib/actor-build.ts";
import { interleave } from "../lib/interleave.ts";
import { type Summary, summarize } from "../lib/stats.ts";
import { type ActorCostRow, measureActorCost } from "./actor-cost.ts";
import { type FleetResult, runFleet } from "./fleet.ts";
import { type MainThreadRow, measureMainThread } from "./main-thread.ts";
import { PEAK_RSS_SOURCE, PI_CLI, type PiArm, piAloneArm, piDispatchArm, runPiPrint } from "./pi-env.ts";

export interface StartupOptions {
	quick: boolean;
	/** `pi -p` rounds (every arm once per round). */
	rounds: number;
	accountCounts: number[];
	actorRounds: number;
	actorSizes: number[];
	mainThreadRounds: number;
	fleet: { processes: number; accounts: number; steadyMs: number };
}

export function startupOptions(quick: boolean, rounds?: number): StartupOptions {
	return quick
		? {
				quick,
				rounds: rounds ?? 2,
				accountCounts: [1, 2],
				actorRounds: 1,
				actorSizes: [1],
				mainThreadRounds: 1,
				fleet: { processes: 2, accounts: 2, steadyMs: 500 },
			}
		: {
				quick,
				rounds: rounds ?? 10,
				accountCounts: [1, 4, 16],
				actorRounds: 8,
				actorSizes: [1, 4],
				mainThreadRounds: 5,
				fleet: { processes: 16, accounts: 16, steadyMs: 3000 },
			};
}

export interface PiArmResult {
	arm: string;
	/** 0: pi alone. */
	accounts: number;
	/** A comparison arm, not held to a target. */
	reference?: boolean;
	runs: number;
	wallMs: Summary;
	peakRssMB: Summary;
	/** The Codex model pi asked for (pi's own default, from its catalog). */
	models: string[];
	errors: number;
	errorExamples: string[];
}

export interface StartupRun {
	pi: string;
	workerBundle: { path: string; bytes: number; origin: string };
	peakRssSource: string;
	actorCost: ActorCostRow[];
	piRuns: PiArmResult[];
	mainThread: MainThreadRow[];
	fleet: FleetResult;
}

export async function runStartup(options: StartupOptions, log: (m: string) => void): Promise<StartupRun> {
	const build = await actorWorkerBuild(log);
	if (!build.dir) throw new Error("bench:startup measures its own build; unset PI_DISPATCH_ACTOR_WORKER");
	const fake = await startFakeCodex();
	const root = await mkdtemp(join(tmpdir(), "pi-dispatch-bench-startup-"));
	try {
		// What package.json's `pi.extensions` names, and beside it tsc's modules (what pi loaded before),
		// both from the package as pi installs it.
		const installed = await installLikePi(join(root, "installed", "node_modules"), [[build.dir, "."]]);
		const extension = join(installed, EXTENSION_ENTRY);
		const tscModules = join(installed, "src", "index.js");
		const actorCost = await measureActorCost(
			fake,
			{
				buildDir: build.dir,
				bundle: build.entry,
				sizes: options.actorSizes,
				rounds: options.actorRounds,
				warmup: 1,
				settleMs: options.quick ? 100 : 300,
			},
			log,
		);

		const arms: PiArm[] = [await piAloneArm(fake, join(root, "alone"))];
		for (const n of options.accountCounts)
			arms.push(await piDispatchArm(fake, join(root, `dispatch-${n}`), n, extension));
		const tscArm: PiArm = {
			...(await piDispatchArm(fake, join(root, "dispatch-tsc"), 1, tscModules, "acct-tsc")),
			name: "pi-dispatch, 1 account, tsc modules",
			reference: true,
		};
		arms.push(tscArm);
		log(`pi -p: ${options.rounds} rounds × ${arms.length} arms (${PI_CLI})`);
		const piRuns = await measurePiRuns(fake, arms, options.rounds);

		log(`main thread: ${options.mainThreadRounds} rounds of PI_TIMING=1`);
		const mainThread = await measureMainThread(arms[1]!, build.dir, options.mainThreadRounds, {
			"pi-dispatch (1 account), tsc modules": tscArm,
		});

		const { processes, accounts, steadyMs } = options.fleet;
		log(`fleet: ${processes} pi processes × ${accounts} accounts, started together`);
		const fleet = await runFleet(fake, {
			alone: arms[0]!,
			dispatch: await piDispatchArm(fake, join(root, "fleet"), accounts, extension, "acct-fleet"),
			processes,
			steadyMs,
			usagePollMs: ACTOR_DEFAULTS.usagePollMs,
		});
		return {
			pi: PI_CLI,
			workerBundle: { path: build.entry, bytes: statSync(build.entry).size, origin: build.origin },
			peakRssSource: PEAK_RSS_SOURCE,
			actorCost,
			piRuns,
			mainThread,
			fleet,
		};
	} finally {
		await Promise.race([fake.close(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
		await rm(root, { recursive: true, force: true });
	}
}

async function measurePiRuns(
	fake: Awaited<ReturnType<typeof startFakeCodex>>,
	arms: PiArm[],
	rounds: number,
): Promise<PiArmResult[]> {
	const rss = new Map<string, number[]>(arms.map((arm) => [arm.name, []]));
	const models = new Map<string, Set<string>>(arms.map((arm) => [arm.name, new Set()]));
	const WARMUP = 1;
	let done = 0;
	const samples = await interleave(
		Object.fromEntries(
			arms.map((arm) => [
				arm.name,
				async () => {
					const logged = fake.requests.length;
					const run = await runPiPrint(arm);
					if (run.timedOut) {
						const answered = run.stdout.includes("Hello from") ? " after printing its answer" : "";
						return `pi did not exit within 30 s${answered}; killed`;
					}
					if (run.code !== 0 || !run.stdout.includes("Hello from")) {
						return `exit ${run.code}: ${(run.stderr.split("\tCommand being timed")[0] ?? "").trim().slice(-200)}`;
					}
					for (const entry of fake.requests.slice(logged)) {
						const model = (entry.body as { model?: unknown } | undefined)?.model;
						if (entry.route === "responses" && typeof model === "string") models.get(arm.name)!.add(model);
					}
					const measured = done >= WARMUP * arms.length;
					if (measured && run.peakRssMB !== undefined) rss.get(arm.name)!.push(run.peakRssMB);
					return run.wallMs;
				},
			]),
		),
		{
			rounds,
			warmup: WARMUP,
			// The warm-up round (compile caches, page cache) is not recorded; RSS follows the same rule.
			after: async () => {
				done++;
			},
		},
	);
	return arms.map((arm) => {
		const s = samples[arm.name]!;
		return {
			arm: arm.name,
			accounts: arm.accounts,
			...(arm.reference ? { reference: true } : {}),
			runs: s.count,
			wallMs: s.summary(),
			peakRssMB: summarize(rss.get(arm.name)!),
			models: [...models.get(arm.name)!],
			errors: s.errors,
			errorExamples: s.errorExamples,
		};
	});
}
