import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness, usedAccount } from "../helpers/dispatch-harness.ts";
import { eventually } from "../helpers/eventually.ts";

let harness: Harness | undefined;
afterEach(async () => {
	await harness?.close();
	harness = undefined;
});

// The token endpoint refuses a dead refresh token at 401 (Lampese/codex-switcher#37) and at 400
// (openai/codex PR #24830), with one of three codes (codex-rs login/src/auth/manager.rs).
const CASES = (["refresh_token_reused", "refresh_token_expired", "refresh_token_invalidated"] as const).flatMap(
	(code) => ([400, 401] as const).map((status) => ({ code, status })),
);

describe("refresh errors from the token endpoint", () => {
	it.each(CASES)(
		"$status $code: needs login at once (one token call), and the request fails over",
		async ({ code, status }) => {
			harness = await startHarness({ accounts: [usedAccount("acct-a", 10, 24), usedAccount("acct-b", 10, 48)] });
			const { fake, supervisor } = harness;
			fake.expireAccessTokens("acct-a");
			fake.token.fault = "refresh-error";
			fake.token.refreshError = { status, code };
			const result = await harness.ask("hi");
			expect(result.text).toBe("Hello from acct-b.");
			await eventually(() => expect(supervisor.actor("acct-a")!.snapshot.state).toBe("needs-login"));
			expect(supervisor.actor("acct-a")!.snapshot.lastError).toContain(code);
			expect(fake.tokenCallCount("acct-a")).toBe(1);
		},
	);
});
