/** Finding an account by the label the user typed, and completing labels. */
import { NoAccountsError, UnknownLabelError } from "../errors.ts";
import type { CommandRuntime } from "./command-env.ts";

interface Labelled {
	label: string;
}

/** Exact match first; labels are unique case-insensitively, so a differently cased one is fine too. */
export function findLabel<T extends Labelled>(accounts: readonly T[], label: string): T | undefined {
	return (
		accounts.find((a) => a.label === label) ?? accounts.find((a) => a.label.toLowerCase() === label.toLowerCase())
	);
}

/** The account with this label; UnknownLabelError (listing the known ones) otherwise. */
export function requireLabel<T extends Labelled>(accounts: readonly T[], label: string): T {
	if (accounts.length === 0) throw new NoAccountsError();
	const found = findLabel(accounts, label);
	if (!found)
		throw new UnknownLabelError(
			label,
			accounts.map((a) => a.label),
		);
	return found;
}

/** Labels of the running pool that start with `prefix` (argument completion; never starts anything). */
export function completeLabels(prefix: string, runtime: CommandRuntime): string[] {
	const key = prefix.trim().toLowerCase();
	const labels =
		runtime
			.running()
			?.accounts()
			.map((a) => a.label) ?? [];
	return labels.filter((label) => label.toLowerCase().startsWith(key)).sort();
}
