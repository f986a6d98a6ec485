/** Process RSS after two GCs 50 ms apart (needs --expose-gc; without it, RSS as it is). */
import { sleep } from "./wait.ts";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

export async function settledRss(): Promise<number> {
	gc();
	await sleep(50);
	gc();
	return process.memoryUsage().rss;
}
