/**
 * The naive way, for comparison: how existing pi multi-account Codex extensions rotate. Mirrors
 * `createStreamWrapper` and `AccountManager` of MultiCodex (github.com/kim0/pi-multicodex, index.ts;
 * the later fork github.com/csaroff/pi-multicodex stream-wrapper.ts runs the same loop): take the
 * active account, call pi-ai's Codex stream with the caller's options and that account's token,
 * wait for its `error` event, match the text against a quota regex, mark the account exhausted
 * for an hour, pick another available account at random, and try again (at most 5 rotations).
 *
 * Left out, both in the naive way's favour: the synchronous rewrite of the accounts file on every
 * markExhausted/rotation, and the token refresh check (the bench's tokens are fresh).
 */
import type { Api, AssistantMessage, Model, SimpleStreamOptions, StreamFunction } from "@earendil-works/pi-ai";
import { createAssistantMessageEventStream } from "@earendil-works/pi-ai/compat";
import { errorAssistantMessage } from "../../src/dispatch/error-message.ts";

export type CodexStream = StreamFunction<"openai-codex-responses", SimpleStreamOptions>;

interface NaiveAccount {
	id: string;
	access: string;
	quotaExhaustedUntil?: number;
}

const MAX_ROTATION_RETRIES = 5;
const QUOTA_COOLDOWN_MS = 60 * 60 * 1000;

/** MultiCodex's `isQuotaErrorMessage`: quota detection by matching pi-ai's error text. */
export function isQuotaErrorMessage(message: string): boolean {
	return /\b429\b|quota|usage limit|rate.?limit|too many requests|limit reached/i.test(message);
}

/** MultiCodex's `AccountManager`, in memory. */
export class NaiveAccounts {
	readonly #accounts: NaiveAccount[];
	readonly #random: () => number;
	#active: string | undefined;

	constructor(accounts: { id: string; access: string }[], random: () => number = Math.random) {
		this.#accounts = accounts.map((a) => ({ ...a }));
		this.#random = random;
		this.#active = accounts[0]?.id;
	}

	getActiveAccount(): NaiveAccount | undefined {
		const now = Date.now();
		const usable = (a: NaiveAccount) => !a.quotaExhaustedUntil || a.quotaExhaustedUntil < now;
		const active = this.#accounts.find((a) => a.id === this.#active);
		if (active && usable(active)) return active;
		const valid = this.#accounts.filter(usable);
		if (valid.length > 0) return valid[0];
		return [...this.#accounts].sort((a, b) => (a.quotaExhaustedUntil ?? 0) - (b.quotaExhaustedUntil ?? 0))[0];
	}

	markExhausted(id: string): void {
		const account = this.#accounts.find((a) => a.id === id);
		if (account) account.quotaExhaustedUntil = Date.now() + QUOTA_COOLDOWN_MS;
	}

	rotateRandomly(): NaiveAccount | undefined {
		const now = Date.now();
		const available = this.#accounts.filter((a) => !a.quotaExhaustedUntil || a.quotaExhaustedUntil < now);
		if (available.length === 0) return this.getActiveAccount();
		const pick = available[Math.floor(this.#random() * available.length)]!;
		this.#active = pick.id;
		return pick;
	}
}

export function naiveStreamWrapper(accounts: NaiveAccounts, inner: CodexStream): CodexStream {
	return (model, context, options) => {
		const stream = createAssistantMessageEventStream();
		void (async () => {
			try {
				for (let attempt = 0; attempt <= MAX_ROTATION_RETRIES; attempt++) {
					const account = accounts.getActiveAccount();
					if (!account) throw new Error("No available Multicodex accounts. Please use /multicodex-login.");
					const attemptStream = inner(
						{ ...model, headers: { ...(model.headers ?? {}), "X-Multicodex-Account": account.id } },
						context,
						{ ...options, apiKey: account.access },
					);
					let forwardedAny = false;
					let retry = false;
					for await (const event of attemptStream) {
						if (event.type === "error") {
							const isQuota = isQuotaErrorMessage(event.error.errorMessage ?? "");
							if (isQuota && !forwardedAny && attempt < MAX_ROTATION_RETRIES) {
								accounts.markExhausted(account.id);
								accounts.rotateRandomly();
								retry = true;
								break;
							}
							stream.push(event);
							stream.end();
							return;
						}
						forwardedAny = true;
						stream.push(event);
						if (event.type === "done") {
							stream.end();
							return;
						}
					}
					if (retry) continue;
					stream.end();
					return;
				}
			} catch (error) {
				stream.push({ type: "error", reason: "error", error: errorMessage(model, error) });
				stream.end();
			}
		})();
		return stream;
	};
}

function errorMessage(model: Model<Api>, error: unknown): AssistantMessage {
	return errorAssistantMessage(model, `Multicodex failed: ${error instanceof Error ? error.message : String(error)}`);
}
