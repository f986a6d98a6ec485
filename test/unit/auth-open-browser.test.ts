import { describe, expect, it } from "vitest";
import { browserCommand } from "../../src/auth/open-browser.ts";

describe("browserCommand", () => {
	const url = "https://auth.openai.com/oauth/authorize?a=1&b=2";
	it.each([
		["darwin", ["open", [url]]],
		["win32", ["rundll32", ["url.dll,FileProtocolHandler", url]]],
		["linux", ["xdg-open", [url]]],
	] as const)("%s", (platform, expected) => {
		expect(browserCommand(url, platform)).toEqual(expected);
	});
});
