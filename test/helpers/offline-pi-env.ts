/**
 * The environment that runs pi offline with pi-dispatch pointed at a fake backend: pi's agent
 * folder, the Codex CLI's folder and pi-dispatch's state folder in temporary places, and the
 * `PI_DISPATCH_*` hooks naming the fake's URLs. Used by the demo and the end-to-end tests.
 */
import type { FakeCodex } from "../fake-codex/index.ts";

export interface OfflinePiFolders {
	home: string;
	agentDir: string;
	codexHome: string;
}

export function offlinePiEnv(
	fake: Pick<FakeCodex, "baseUrl" | "tokenUrl">,
	folders: OfflinePiFolders,
): NodeJS.ProcessEnv {
	return {
		...process.env,
		PI_DISPATCH_HOME: folders.home,
		PI_CODING_AGENT_DIR: folders.agentDir,
		CODEX_HOME: folders.codexHome,
		PI_OFFLINE: "1",
		PI_DISPATCH_CODEX_BASE_URL: fake.baseUrl,
		PI_DISPATCH_AUTH_URL: fake.tokenUrl,
	};
}
