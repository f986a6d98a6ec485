import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuthEndpoints, defaultAuthEndpoints } from "../../src/auth/auth-endpoints.ts";
import { type LoginIO, loginWithChatGPT } from "../../src/auth/oauth-login.ts";
import { authorizeRedirect, completeInBrowser } from "../fixtures/auth/fake-browser.ts";
import { FAKE_ACCOUNT, type FakeOAuthServer, startFakeOAuthServer } from "../fixtures/auth/fake-oauth-server.ts";

let fake: FakeOAuthServer;
let endpoints: AuthEndpoints;
beforeEach(async () => {
	fake = await startFakeOAuthServer();
	endpoints = defaultAuthEndpoints({ PI_DISPATCH_AUTH_URL: fake.tokenUrl, PI_DISPATCH_CALLBACK_PORT: "0" });
});
afterEach(async () => {
	await fake.close();
});

/** A prompt the user never answers; it rejects once the login no longer needs it. */
function unansweredPrompt(seen: AbortSignal[]): LoginIO["promptManualCode"] {
	return (_message, signal) =>
		new Promise((_, reject) => {
			seen.push(signal);
			signal.addEventListener("abort", () => reject(signal.reason), { once: true });
		});
}

/** An IO whose "browser" follows the authorize URL to the callback server as soon as it is shown. */
function browserIO(tamper?: (callback: URL) => void) {
	const prompts: AbortSignal[] = [];
	let browser: Promise<Response> | undefined;
	let shown = "";
	const io: LoginIO = {
		showUrl: (url) => {
			shown = url;
		},
		openBrowser: (url) => {
			browser = completeInBrowser(url, tamper);
		},
		promptManualCode: unansweredPrompt(prompts),
	};
	return { io, prompts, browser: () => browser!, shown: () => shown };
}

async function expectClosed(callbackUrl: string): Promise<void> {
	const url = new URL(callbackUrl);
	url.hostname = "127.0.0.1";
	await expect(fetch(url)).rejects.toThrow();
}

describe("loginWithChatGPT via the callback server", () => {
	it("logs in when the browser reaches the callback, then closes the server", async () => {
		const { io, prompts, browser, shown } = browserIO();
		const result = await loginWithChatGPT(endpoints, io);
		expect(result.identity).toEqual({
			accountId: FAKE_ACCOUNT.accountId,
			email: FAKE_ACCOUNT.email,
			plan: FAKE_ACCOUNT.plan,
		});
		expect(result.credentials).toMatchObject({ refresh: expect.stringMatching(/^rt_/), idToken: expect.any(String) });
		expect((await browser()).status).toBe(200);
		const authorize = new URL(shown());
		expect(authorize.searchParams.get("codex_cli_simplified_flow")).toBe("true");
		expect(authorize.searchParams.get("redirect_uri")).toMatch(/^http:\/\/localhost:\d+\/auth\/callback$/);
		expect(prompts).toHaveLength(1);
		expect(prompts[0]?.aborted).toBe(true);
		await expectClosed(authorize.searchParams.get("redirect_uri")!);
	});

	it("rejects a callback with another state", async () => {
		const { io, browser } = browserIO((callback) => callback.searchParams.set("state", "forged"));
		await expect(loginWithChatGPT(endpoints, io)).rejects.toMatchObject({
			name: "LoginStateMismatchError",
			code: "E_LOGIN_STATE",
		});
		expect((await browser()).status).toBe(400);
		expect(fake.control.tokenRequests).toBe(0);
	});

	it("reports access_denied as LoginDeniedError and exchanges nothing", async () => {
		fake.control.deny = true;
		const { io, shown } = browserIO();
		await expect(loginWithChatGPT(endpoints, io)).rejects.toMatchObject({
			name: "LoginDeniedError",
			code: "E_LOGIN_DENIED",
		});
		expect(fake.control.tokenRequests).toBe(0);
		await expectClosed(new URL(shown()).searchParams.get("redirect_uri")!);
	});
});

describe("loginWithChatGPT via pasting", () => {
	let blocker: Server;
	let busy: AuthEndpoints;
	beforeEach(async () => {
		// Someone else holds the callback port: the login must fall back to pasting.
		blocker = createServer();
		await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
		const { port } = blocker.address() as AddressInfo;
		busy = { ...endpoints, callbackPort: port, redirectUri: `http://localhost:${port}/auth/callback` };
	});
	afterEach(async () => {
		await new Promise<void>((resolve) => blocker.close(() => resolve()));
	});

	function pasteIO(toInput: (redirect: URL) => string): LoginIO {
		let url = "";
		return {
			showUrl: (shown) => {
				url = shown;
			},
			promptManualCode: async () => toInput(await authorizeRedirect(url)),
		};
	}

	it.each([
		["the full redirect URL", (r: URL) => r.toString()],
		["code#state", (r: URL) => `${r.searchParams.get("code")}#${r.searchParams.get("state")}`],
		["code=…&state=…", (r: URL) => `code=${r.searchParams.get("code")}&state=${r.searchParams.get("state")}`],
		["the bare code", (r: URL) => r.searchParams.get("code")!],
	])("accepts %s when the callback port is busy", async (_, toInput) => {
		const result = await loginWithChatGPT(busy, pasteIO(toInput));
		expect(result.identity.accountId).toBe(FAKE_ACCOUNT.accountId);
	});

	it("re-prompts when the paste holds no code", async () => {
		let url = "";
		const messages: string[] = [];
		const io: LoginIO = {
			showUrl: (shown) => {
				url = shown;
			},
			promptManualCode: async (message) => {
				messages.push(message);
				return messages.length === 1 ? "http://localhost/nothing-here" : (await authorizeRedirect(url)).toString();
			},
		};
		await expect(loginWithChatGPT(busy, io)).resolves.toMatchObject({
			identity: { accountId: FAKE_ACCOUNT.accountId },
		});
		expect(messages).toHaveLength(2);
	});

	it("rejects a pasted URL with another state", async () => {
		const io = pasteIO((r) => {
			r.searchParams.set("state", "forged");
			return r.toString();
		});
		await expect(loginWithChatGPT(busy, io)).rejects.toMatchObject({ name: "LoginStateMismatchError" });
		expect(fake.control.tokenRequests).toBe(0);
	});

	it("reports a pasted access_denied redirect as LoginDeniedError", async () => {
		fake.control.deny = true;
		await expect(
			loginWithChatGPT(
				busy,
				pasteIO((r) => r.toString()),
			),
		).rejects.toMatchObject({ name: "LoginDeniedError" });
	});

	it("reports a rejected code as LoginFailedError", async () => {
		await expect(
			loginWithChatGPT(
				busy,
				pasteIO(() => "ac_wrong"),
			),
		).rejects.toMatchObject({
			name: "LoginFailedError",
			code: "E_LOGIN_FAILED",
		});
	});

	it("treats an empty paste as cancel", async () => {
		await expect(
			loginWithChatGPT(
				busy,
				pasteIO(() => "  "),
			),
		).rejects.toMatchObject({ name: "LoginCancelledError" });
	});
});

describe("loginWithChatGPT ending early", () => {
	it("times out with LoginTimeoutError and closes everything", async () => {
		const prompts: AbortSignal[] = [];
		let shown = "";
		const io: LoginIO = {
			showUrl: (url) => {
				shown = url;
			},
			promptManualCode: unansweredPrompt(prompts),
		};
		await expect(loginWithChatGPT(endpoints, io, { timeoutMs: 20 })).rejects.toMatchObject({
			name: "LoginTimeoutError",
			code: "E_LOGIN_TIMEOUT",
		});
		expect(prompts[0]?.aborted).toBe(true);
		await expectClosed(new URL(shown).searchParams.get("redirect_uri")!);
	});

	it("is cancelled by the caller's signal while waiting", async () => {
		const controller = new AbortController();
		const prompts: AbortSignal[] = [];
		let shown = "";
		const io: LoginIO = {
			signal: controller.signal,
			showUrl: (url) => {
				shown = url;
			},
			promptManualCode: (message, signal) => {
				const pending = unansweredPrompt(prompts)(message, signal);
				controller.abort();
				return pending;
			},
		};
		await expect(loginWithChatGPT(endpoints, io)).rejects.toMatchObject({
			name: "LoginCancelledError",
			code: "E_LOGIN_CANCELLED",
		});
		expect(prompts[0]?.aborted).toBe(true);
		expect(fake.control.tokenRequests).toBe(0);
		await expectClosed(new URL(shown).searchParams.get("redirect_uri")!);
	});

	it("does not start when the signal is already aborted", async () => {
		const io: LoginIO = {
			signal: AbortSignal.abort(),
			showUrl: () => {
				throw new Error("must not show a URL");
			},
			promptManualCode: async () => "",
		};
		await expect(loginWithChatGPT(endpoints, io)).rejects.toMatchObject({ name: "LoginCancelledError" });
	});

	it("treats a rejected prompt as cancel", async () => {
		const io: LoginIO = { showUrl: () => {}, promptManualCode: async () => Promise.reject(new Error("escape")) };
		await expect(loginWithChatGPT(endpoints, io)).rejects.toMatchObject({ name: "LoginCancelledError" });
	});
});
