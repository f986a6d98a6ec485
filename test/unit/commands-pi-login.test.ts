/** pi's own /login for OpenAI Codex lands in the pool (the glue hands pi's dialog to loginFromPi). */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultAuthEndpoints } from "../../src/auth/auth-endpoints.ts";
import { loginFromPi } from "../../src/commands/pi-login.ts";
import type { DispatchRuntime } from "../../src/runtime.ts";
import { completeInBrowser } from "../fixtures/auth/fake-browser.ts";
import { type Harness, startHarness } from "../helpers/dispatch-harness.ts";

let h: Harness;
let runtime: DispatchRuntime;

beforeEach(async () => {
	h = await startHarness({ accounts: [{ accountId: "acct-other" }], labels: ["work"] });
	const auth = defaultAuthEndpoints({ PI_DISPATCH_AUTH_URL: h.fake.tokenUrl, PI_DISPATCH_CALLBACK_PORT: "0" });
	runtime = { ...h.runtime, config: { ...h.runtime.config, auth } };
});
afterEach(() => h.close());

describe("pi's /login with pi-dispatch owning openai-codex", () => {
	it("adds the account to the pool, says so, and hands pi the login to keep", async () => {
		h.fake.addAccount({ accountId: "acct-login", email: "login@example.test", plan: "pro" });
		const notes: string[] = [];
		let browser: Promise<unknown> | undefined;
		const stored = await loginFromPi(
			runtime,
			{
				showUrl: (url) => {
					browser = completeInBrowser(url);
				},
				// pi's paste prompt stays open; the browser's redirect decides.
				promptManualCode: () => new Promise<string>(() => undefined),
			},
			(message) => notes.push(message),
		);
		await browser;
		expect(notes).toEqual(["pi-dispatch: Logged in login@example.test (pro); added as account-1."]);
		expect(stored.accountId).toBe("acct-login");
		const account = (await h.store.read()).accounts.find((a) => a.id === "acct-login");
		expect(account?.label).toBe("account-1");
		expect(stored).toEqual({
			access: account?.credentials.access,
			refresh: account?.credentials.refresh,
			expires: account?.credentials.expiresAt,
			accountId: "acct-login",
		});
		expect(h.supervisor.findByLabel("account-1")?.id).toBe("acct-login");
	});
});
