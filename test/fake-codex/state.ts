import type { Account } from "./accounts.ts";
import { TokenStore } from "./tokens.ts";
import type { RequestLogEntry, ResponsePlan, TokenKnobs } from "./types.ts";

// Everything the routes share: accounts, tokens, authorization codes, knobs
// and the request log (with waiters, so tests can await a request instead of
// sleeping).

export interface AuthCode {
	accountId: string;
	challenge: string;
	redirectUri: string;
	clientId: string;
	expiresAt: number;
	used: boolean;
}

interface Waiter {
	match: (entry: RequestLogEntry) => boolean;
	resolve: (entry: RequestLogEntry) => void;
}

export class FakeState {
	readonly accounts = new Map<string, Account>();
	readonly tokens = new TokenStore();
	readonly codes = new Map<string, AuthCode>();
	readonly requests: RequestLogEntry[] = [];
	readonly plans = new Map<string, ResponsePlan>();
	token: TokenKnobs = { delayMs: 0 };
	authorize = { deny: false };
	nextLoginAccountId: string | undefined;
	rejectForeignReasoning = true;
	defaultPlan: ResponsePlan = {};
	/** Test control (see README, "Test controls"): admitted responses wait on it before their headers. */
	responseHold: Promise<void> | undefined;
	/** Responses requests open now (arrived, answer not finished), and the most open at once. */
	openResponses = { now: 0, peak: 0 };
	private waiters: Waiter[] = [];

	account(accountId: string): Account {
		const account = this.accounts.get(accountId);
		if (!account) throw new Error(`fake-codex: unknown account ${accountId}`);
		return account;
	}

	/** Per-account plan fields override the default plan's. */
	planFor(accountId: string): ResponsePlan {
		return { ...this.defaultPlan, ...this.plans.get(accountId) };
	}

	log(entry: RequestLogEntry): RequestLogEntry {
		this.requests.push(entry);
		this.notify(entry);
		return entry;
	}

	/** Update a logged entry and wake waiters that now match it. */
	patch(entry: RequestLogEntry, fields: Partial<RequestLogEntry>): void {
		Object.assign(entry, fields);
		this.notify(entry);
	}

	waitFor(match: (entry: RequestLogEntry) => boolean): Promise<RequestLogEntry> {
		const found = this.requests.find(match);
		if (found) return Promise.resolve(found);
		return new Promise((resolve) => this.waiters.push({ match, resolve }));
	}

	private notify(entry: RequestLogEntry): void {
		const ready = this.waiters.filter((w) => w.match(entry));
		if (ready.length === 0) return;
		this.waiters = this.waiters.filter((w) => !ready.includes(w));
		for (const w of ready) w.resolve(entry);
	}
}
