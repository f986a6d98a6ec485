import type { AccountTokens, UpstreamUrls } from "./upstream-protocol.ts";

/** The compiled worker entry (what an installed package runs) or the type-stripped `.ts` source. */
export type WorkerKind = "build" | "source";

export interface ProbeJob {
	worker: WorkerKind;
	upstream: UpstreamUrls;
	accounts: AccountTokens[];
	/** Quiet time before each RSS reading. */
	settleMs: number;
}

export interface ProbeResult {
	worker: WorkerKind;
	actors: number;
	/** Per actor: ms from `Supervisor.start` until that actor said `ready`. */
	readyMs: number[];
	/** ms until `Supervisor.start` resolved (every actor ready). */
	allReadyMs: number;
	notReady: number;
	rssBefore: number;
	rssAfter: number;
}
