import type { AccountTokens, UpstreamUrls } from "./upstream-protocol.ts";

export interface ProbeJob {
	upstream: UpstreamUrls;
	accounts: AccountTokens[];
	/** Quiet time before each RSS reading. */
	settleMs: number;
}

export interface ProbeResult {
	actors: number;
	/** Per actor: ms from `Supervisor.start` until that actor said `ready`. */
	readyMs: number[];
	/** ms until `Supervisor.start` resolved (every actor ready). */
	allReadyMs: number;
	notReady: number;
	rssBefore: number;
	rssAfter: number;
}
