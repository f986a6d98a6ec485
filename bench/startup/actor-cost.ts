/**
 * Per-actor start-up cost, before and after: the same actor started from tsc's module graph (what
 * `main` shipped), from the one-file bundle (what ships now), and the bundle with one more change
 * each: Node's compile cache (warm, in a private folder) or a smaller V8 young generation. Arm after
 * arm in a rotating order, each sample in a fresh process (actor-child.ts).
 */
import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ACTOR_DEFAULTS } from "../../src/supervisor/supervisor-options.ts";
import type { FakeCodex } from "../../test/fake-codex/index.ts";
import { interleave } from "../lib/interleave.ts";
import { rigConfig } from "../lib/rig.ts";
import { type Summary, summarize } from "../lib/stats.ts";
import type { ActorCostJob, ActorCostResult } from "./actor-child.ts";

const CHILD = fileURLToPath(new URL("./actor-child.ts", import.meta.url));
const MB = 1024 * 1024;

export const ACTOR_ARMS = [
	"tsc modules",
	"bundle",
	"bundle + compile cache",
	"bundle + young generation ≤ 4 MB",
] as const;
export type ActorArm = (typeof ACTOR_ARMS)[number];

/** What the last arm tries (worker `resourceLimits`); no old-generation cap: that would add an OOM crash. */
export const TRIED_LIMITS = { maxYoungGenerationSizeMb: 4 };

export interface ActorCostRow {
	arm: ActorArm;
	actors: number;
	samples: number;
	/** Thread start → `ready`, per actor, over every sample. */
	readyMs: Summary;
	/** Process RSS growth per actor, one figure per sample. */
	rssPerActorMB: Summary;
	errors: number;
	errorExamples: string[];
}

export interface ActorCostOptions {
	/** tsc's build root (…/workers/account-actor.js) and the bundle beside it. */
	buildDir: string;
	bundle: string;
	sizes: number[];
	rounds: number;
	warmup: number;
	settleMs: number;
}

export async function measureActorCost(
	fake: FakeCodex,
	options: ActorCostOptions,
	log: (m: string) => void,
): Promise<ActorCostRow[]> {
	const cacheDir = await mkdtemp(join(tmpdir(), "pi-dispatch-compile-cache-"));
	const rows: ActorCostRow[] = [];
	try {
		for (const actors of options.sizes) {
			const accounts = Array.from({ length: actors }, (_, i) => {
				const id = `acct-cost-${actors}-${i + 1}`;
				const t = fake.addAccount({ accountId: id });
				return {
					id,
					credentials: { access: t.access, refresh: t.refresh, expiresAt: t.expiresAt, idToken: t.idToken },
				};
			});
			const job = (entry: string, extra: Partial<ActorCostJob> = {}): ActorCostJob => ({
				entry,
				accounts,
				settleMs: options.settleMs,
				config: { ...ACTOR_DEFAULTS, codexBaseUrl: fake.baseUrl, auth: rigConfig(fake, "").auth },
				...extra,
			});
			const tscEntry = join(options.buildDir, "workers", "account-actor.js");
			const results = new Map<ActorArm, ActorCostResult[]>(ACTOR_ARMS.map((arm) => [arm, []]));
			const arm = (name: ActorArm, j: ActorCostJob, cache: boolean) => async () => {
				try {
					const result = await runChild(
						j,
						cache ? { NODE_COMPILE_CACHE: cacheDir } : { NODE_DISABLE_COMPILE_CACHE: "1" },
					);
					results.get(name)!.push(result);
					return result.allReadyMs;
				} catch (error) {
					return String(error);
				}
			};
			log(`actor cost: ${actors} actor(s), ${options.rounds} rounds × ${ACTOR_ARMS.length} arms`);
			const samples = await interleave<ActorArm>(
				{
					"tsc modules": arm("tsc modules", job(tscEntry), false),
					bundle: arm("bundle", job(options.bundle), false),
					"bundle + compile cache": arm("bundle + compile cache", job(options.bundle), true),
					"bundle + young generation ≤ 4 MB": arm(
						"bundle + young generation ≤ 4 MB",
						job(options.bundle, { resourceLimits: TRIED_LIMITS }),
						false,
					),
				},
				{ rounds: options.rounds, warmup: options.warmup },
			);
			for (const name of ACTOR_ARMS) {
				// The warm-up rounds' results are in the list too: keep the measured rounds only.
				const measured = results.get(name)!.slice(-samples[name].count);
				rows.push({
					arm: name,
					actors,
					samples: measured.length,
					readyMs: summarize(measured.flatMap((r) => r.readyMs)),
					rssPerActorMB: summarize(measured.map((r) => (r.rssAfter - r.rssBefore) / MB / actors)),
					errors: samples[name].errors,
					errorExamples: samples[name].errorExamples,
				});
			}
		}
	} finally {
		await rm(cacheDir, { recursive: true, force: true });
	}
	return rows;
}

function runChild(job: ActorCostJob, env: Record<string, string>): Promise<ActorCostResult> {
	return new Promise((resolve, reject) => {
		const base = { ...process.env };
		delete base.NODE_COMPILE_CACHE;
		delete base.NODE_DISABLE_COMPILE_CACHE;
		const child = fork(CHILD, [], {
			env: { ...base, ...env },
			execArgv: ["--expose-gc", "--disable-warning=ExperimentalWarning"],
			stdio: ["ignore", "inherit", "inherit", "ipc"],
		});
		const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
		child.once("message", (message: ActorCostResult | { error: string }) => {
			clearTimeout(timer);
			if ("error" in message) reject(new Error(`actor child: ${message.error}`));
			else resolve(message);
		});
		child.once("error", reject);
		child.once("exit", (code) => {
			clearTimeout(timer);
			if (code !== 0) reject(new Error(`actor child exited with ${code}`));
		});
		child.send(job);
	});
}
