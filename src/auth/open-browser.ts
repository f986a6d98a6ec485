import { spawn } from "node:child_process";

/** The launcher for a URL, never through a shell (cmd.exe would re-parse `&` in the URL). */
export function browserCommand(url: string, platform: NodeJS.Platform = process.platform): [string, string[]] {
	if (platform === "darwin") return ["open", [url]];
	if (platform === "win32") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
	return ["xdg-open", [url]];
}

/** Best effort, like pi's: the URL is shown to the user anyway, so a missing launcher is fine. */
export function openBrowser(url: string): void {
	const [command, args] = browserCommand(url);
	try {
		spawn(command, args, { stdio: "ignore", detached: true })
			.on("error", () => {})
			.unref();
	} catch {
		// No launcher (headless box): the user copies the shown URL.
	}
}
