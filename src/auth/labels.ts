import { InvalidLabelError } from "../errors.ts";

export const MAX_LABEL_LENGTH = 32;

/**
 * Check a user-chosen label: 1..32 characters, no whitespace or control characters, and not used
 * by another account (compared case-insensitively, so `Work` and `work` cannot both exist).
 * `forAccountId` is the account being renamed: keeping its own label is fine.
 */
export function validateLabel(
	label: string,
	existing: readonly { id: string; label: string }[],
	forAccountId?: string,
): void {
	if (label.length === 0) throw new InvalidLabelError("A label cannot be empty.");
	if (/[\s\p{Cc}]/u.test(label))
		throw new InvalidLabelError(`The label "${label.trim()}" contains whitespace; use e.g. - or _.`);
	if ([...label].length > MAX_LABEL_LENGTH) {
		throw new InvalidLabelError(`A label has at most ${MAX_LABEL_LENGTH} characters.`);
	}
	const key = label.toLowerCase();
	const owner = existing.find((account) => account.label.toLowerCase() === key && account.id !== forAccountId);
	if (owner) throw new InvalidLabelError(`The label "${label}" is already used by another account.`);
}

/** The first free `account-N` (N from 1), for logins the user did not name. */
export function nextDefaultLabel(existing: readonly { label: string }[]): string {
	const taken = new Set(existing.map((account) => account.label.toLowerCase()));
	for (let n = 1; ; n++) {
		const label = `account-${n}`;
		if (!taken.has(label)) return label;
	}
}
