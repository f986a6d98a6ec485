export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `ready` every `everyMs` until it holds; rejects with `what` after `timeoutMs`. */
export async function waitUntil(
	ready: () => boolean,
	what: string | (() => string),
	timeoutMs = 5_000,
	everyMs = 1,
): Promise<void> {
	const deadline = performance.now() + timeoutMs;
	while (!ready()) {
		if (performance.now() > deadline) {
			throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
		}
		await sleep(everyMs);
	}
}
