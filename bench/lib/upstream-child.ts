/**
 * The fake Codex backend in its own process, driven over IPC, so its event loop (SSE writes,
 * request parsing) never runs on the bench's main thread and skews the numbers there.
 */
import { startFakeCodex } from "../../test/fake-codex/index.ts";
import type { AccountTokens, Hits, UpstreamCommand, UpstreamReady, UpstreamRequest } from "./upstream-protocol.ts";

const fake = await startFakeCodex();

function handle(command: UpstreamCommand): unknown {
	switch (command.op) {
		case "add-accounts":
			return command.inits.map(
				(init): AccountTokens => ({ accountId: init.accountId, tokens: fake.addAccount(init) }),
			);
		case "set-fault":
			fake.setFault(command.accountId, command.fault, command.times === undefined ? {} : { times: command.times });
			return undefined;
		case "clear-fault":
			fake.clearFault(command.accountId);
			return undefined;
		case "set-response":
			fake.setResponse(command.plan, command.accountId);
			return undefined;
		case "set-usage":
			fake.setUsage(command.accountId, command.patch);
			return undefined;
		case "set-websocket":
			fake.websocket = command.mode;
			return undefined;
		case "hits": {
			const hits: Hits = { responses: 0, faulted: 0, websocket: 0 };
			for (const entry of fake.requests) {
				// A refused or reset upgrade is no request (pi-ai resends it over SSE); a frame is.
				if (entry.route !== "responses" || entry.upgrade || entry.accountId !== command.accountId) continue;
				hits.responses++;
				if (entry.fault) hits.faulted++;
				if (entry.websocket) hits.websocket++;
			}
			return hits;
		}
		case "clear-log":
			// The log keeps every request body; long runs would otherwise grow it without bound.
			fake.requests.length = 0;
			return undefined;
	}
}

process.on("message", (request: UpstreamRequest) => {
	try {
		process.send?.({ id: request.id, ok: true, value: handle(request) });
	} catch (error) {
		process.send?.({ id: request.id, ok: false, error: String(error) });
	}
});

// The bench going away (or crashing) takes the upstream with it.
process.on("disconnect", () => {
	void fake.close().finally(() => process.exit(0));
});

const ready: UpstreamReady = {
	type: "ready",
	pid: process.pid,
	origin: fake.origin,
	baseUrl: fake.baseUrl,
	tokenUrl: fake.tokenUrl,
	authorizeUrl: fake.authorizeUrl,
};
process.send?.(ready);
