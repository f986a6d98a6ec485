/** Waits for `promise` (its outcome ignored) at most `ms`: shutdown waits are bounded, never open-ended. */
export async function within(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const bound = new Promise<void>((resolve) => {
		timer = setTimeout(resolve, ms);
	});
	await Promise.race([promise?.catch(() => undefined), bound]);
	clearTimeout(timer);
}
