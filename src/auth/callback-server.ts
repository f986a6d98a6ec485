import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LoginFailedError, LoginStateMismatchError, loginErrorForRedirect } from "./auth-errors.ts";

export interface CallbackServer {
	/** The port actually bound (differs from the requested one only when that was 0). */
	port: number;
	/** The authorization code, or the typed login error the redirect carried. Settles once. */
	result: Promise<string>;
	/** Stops listening and drops connections; resolves once the port is free. Idempotent. */
	close(): Promise<void>;
}

/**
 * Listen for the browser's redirect on `host:port` + `path`. Resolves `undefined` when the port
 * cannot be bound (another login, the Codex CLI, pi itself): the caller then relies on pasting.
 */
export async function startCallbackServer(opts: {
	host: string;
	port: number;
	path: string;
	state: string;
}): Promise<CallbackServer | undefined> {
	let settled = false;
	let resolveCode!: (code: string) => void;
	let rejectCode!: (error: Error) => void;
	const result = new Promise<string>((resolve, reject) => {
		resolveCode = resolve;
		rejectCode = reject;
	});
	// A rejection nobody awaits (login already decided) must not crash the process.
	result.catch(() => {});

	const server = createServer((req, res) => {
		const url = new URL(req.url ?? "/", "http://localhost");
		if (req.method !== "GET" || url.pathname !== opts.path) return page(res, 404, "Not found.");
		if (settled) return page(res, 200, "This login has already finished. You can close this tab.");
		settled = true;
		const params = url.searchParams;
		if (params.get("state") !== opts.state) {
			page(res, 400, "This page belongs to another login attempt (state mismatch). Start the login again.");
			return rejectCode(new LoginStateMismatchError());
		}
		const error = params.get("error");
		if (error) {
			page(res, 200, "Login was not completed. You can close this tab.");
			return rejectCode(loginErrorForRedirect(error));
		}
		const code = params.get("code");
		if (!code) {
			page(res, 400, "The redirect carried no authorization code.");
			return rejectCode(new LoginFailedError("ChatGPT login failed: the redirect carried no authorization code."));
		}
		page(res, 200, "ChatGPT login complete. You can close this tab and return to pi.");
		resolveCode(code);
	});

	const port = await new Promise<number | undefined>((resolve) => {
		server.once("error", () => resolve(undefined));
		server.listen(opts.port, opts.host, () => resolve((server.address() as AddressInfo).port));
	});
	if (port === undefined) return undefined;
	server.on("error", () => {});

	let closed: Promise<void> | undefined;
	const close = () => {
		closed ??= new Promise<void>((resolve) => {
			// Browsers keep sockets open; force them shut if they linger past a moment.
			const force = setTimeout(() => server.closeAllConnections(), 1000);
			force.unref();
			server.close(() => {
				clearTimeout(force);
				resolve();
			});
			server.closeIdleConnections();
		});
		return closed;
	};
	return { port, result, close };
}

function page(res: ServerResponse, status: number, message: string): void {
	res.writeHead(status, { "content-type": "text/html; charset=utf-8", connection: "close" });
	res.end(
		`<!doctype html><html><head><meta charset="utf-8"><title>pi-dispatch</title></head><body><p>${message}</p></body></html>`,
	);
}
