import type { FakeCodex, FakeTokens } from "./types.ts";

// The offline demo world: one account spent for the week, one fresh, one half
// used, answering with a short friendly text that streams visibly.

export const DEMO_TEXT =
	"Hi! I'm answering from the fake Codex backend. Your request was routed to an account with quota left, so nothing had to wait.";

export function setupDemo(fake: FakeCodex): Array<{ accountId: string; tokens: FakeTokens }> {
	const accounts = [
		fake.addAccount({
			accountId: "acct-exhausted",
			email: "exhausted@example.test",
			secondary: { usedPercent: 100, windowMinutes: 10080, resetsInSeconds: 2 * 3600 },
		}),
		fake.addAccount({ accountId: "acct-fresh", email: "fresh@example.test" }),
		fake.addAccount({
			accountId: "acct-half",
			email: "half@example.test",
			secondary: { usedPercent: 50, windowMinutes: 10080, resetsInSeconds: 3 * 86400 },
		}),
	];
	fake.setResponse({ text: DEMO_TEXT, interTokenDelayMs: 40 });
	return ["acct-exhausted", "acct-fresh", "acct-half"].map((accountId, i) => ({
		accountId,
		tokens: accounts[i] as FakeTokens,
	}));
}
