/**
 * What the store figures' child processes (store-child.ts, redis-child.ts) share: wall-clock time
 * good across processes, JSON lines on stdout, a line on stdin as the start signal, and one timed
 * hold of an account's refresh lock.
 */
import { createInterface } from "node:readline";

/** Epoch ms with sub-ms precision: comparable between processes. */
export const now = () => performance.timeOrigin + performance.now();
export const say = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves at the first line on stdin. */
export const go = () =>
	new Promise<void>((resolve) => {
		const lines = createInterface({ input: process.stdin });
		lines.once("line", () => {
			lines.close();
			resolve();
		});
	});

/** Takes `accountId`'s refresh lock, holds it `holdMs`, and says when it had it. */
export async function holdLockOnce(
	store: { withAccountLock<T>(accountId: string, fn: () => Promise<T>): Promise<T> },
	accountId: string,
	holdMs: number,
): Promise<{ acquired: number; released: number }> {
	let acquired = 0;
	let released = 0;
	await store.withAccountLock(accountId, async () => {
		acquired = now();
		await sleep(holdMs);
		released = now();
	});
	return { acquired, released };
}
