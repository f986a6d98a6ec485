import { vi } from "vitest";

/**
 * Waits for an assertion to hold. A generous deadline, because CI has two cores shared with worker
 * threads and child processes; this is a deadline for failure, never a measured time.
 */
export function eventually<T>(assertion: () => T | Promise<T>, timeout = 15_000): Promise<T> {
	return vi.waitFor(assertion, { timeout, interval: 20 });
}
