#!/usr/bin/env node
/**
 * `pi-dispatch`: the pool from the shell. This file only checks the Node version, in syntax any
 * Node can parse, before loading the command (which needs Node 22's `node:sqlite`); hence the one
 * dynamic import.
 */
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
	process.stderr.write(
		`pi-dispatch needs Node.js 22.19 or newer (this is ${process.version}); install it (e.g. with nvm) and run it again.\n`,
	);
	process.exit(1);
}
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
// Actor threads and timers are stopped by now; a stray handle must not keep a script waiting.
setImmediate(() => process.exit());
