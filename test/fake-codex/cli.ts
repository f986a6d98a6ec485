import { fstatSync } from "node:fs";
import { parseArgs } from "node:util";
import { setupDemo } from "./demo.ts";
import { startFakeCodex } from "./server.ts";
import type { FakeTokens } from "./types.ts";

// node test/fake-codex/cli.ts [--accounts N] [--demo] [--port P] [--websocket serve|refuse]
// Prints one JSON line {origin, baseUrl, tokenUrl, authorizeUrl, accounts} and
// serves until SIGTERM/SIGINT, or until stdin ends when stdin is a pipe (so a
// parent that dies takes the server with it).

const { values } = parseArgs({
	options: {
		accounts: { type: "string" },
		demo: { type: "boolean", default: false },
		port: { type: "string" },
		websocket: { type: "string", default: "refuse" },
	},
});
if (values.websocket !== "serve" && values.websocket !== "refuse") {
	throw new Error(`--websocket must be serve or refuse, not ${values.websocket}`);
}

const fake = await startFakeCodex({ port: values.port ? Number(values.port) : 0, websocket: values.websocket });
let accounts: Array<{ accountId: string; tokens: FakeTokens }>;
if (values.demo) {
	accounts = setupDemo(fake);
} else {
	const count = Math.max(1, Number(values.accounts ?? 3));
	accounts = Array.from({ length: count }, (_, i) => {
		const accountId = `acct-${i + 1}`;
		return { accountId, tokens: fake.addAccount({ accountId }) };
	});
}

process.stdout.write(
	`${JSON.stringify({ origin: fake.origin, baseUrl: fake.baseUrl, tokenUrl: fake.tokenUrl, authorizeUrl: fake.authorizeUrl, accounts })}\n`,
);

let stopping = false;
async function stop(): Promise<void> {
	if (stopping) return;
	stopping = true;
	await fake.close();
	process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

// Only a pipe signals "parent gone" by ending; /dev/null would end at once.
const stdin = fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
	process.stdin.on("end", stop);
	process.stdin.resume();
}
