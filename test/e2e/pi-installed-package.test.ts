/**
 * pi-dispatch as a user gets it: `pi install <the package>` and pi's own `pi` command, which loads
 * what package.json's `pi.extensions` names (the entry and bundle from `npm run build`); the bundle
 * finds the actor's worker bundle by itself, and pi-ai is pi's own. Every other end-to-end test loads
 * src/index.ts and has the test suite's PI_DISPATCH_ACTOR_WORKER; this one has neither.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect } from "vitest";
import { installLikePi } from "../helpers/install-like-pi.ts";
import { PI_PACKAGE } from "../helpers/pi-under-test.ts";
import { itWithWorld as it, MODEL, type PiWorld, type PrintResult, REPO, runNode } from "./helpers/pi-world.ts";

const MODULE_LOG = fileURLToPath(new URL("../fixtures/pi/module-log.mjs", import.meta.url));
const PROBE = fileURLToPath(new URL("../fixtures/pi/dispatch-probe.ts", import.meta.url));

/** The `pi` a user runs: the pi package's own bin. */
async function piBin(): Promise<string> {
	const manifest = JSON.parse(await readFile(join(PI_PACKAGE, "package.json"), "utf8")) as {
		bin: string | Record<string, string>;
	};
	const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin.pi;
	if (!bin) throw new Error(`${PI_PACKAGE}: no pi bin`);
	return join(PI_PACKAGE, bin);
}

/** `moduleLog`: a file to get the URL of every module the process loaded (fixtures/pi/module-log.mjs). */
async function runPi(world: PiWorld, args: string[], moduleLog?: string): Promise<PrintResult> {
	const env: NodeJS.ProcessEnv = { ...world.env, ...(moduleLog ? { PI_DISPATCH_MODULE_LOG: moduleLog } : {}) };
	delete env.PI_DISPATCH_ACTOR_WORKER; // the installed package's own worker bundle
	const node = moduleLog ? ["--import", MODULE_LOG] : [];
	return runNode(world, [...node, await piBin(), ...args], { env });
}

/** Two ways a user installs it: a local folder (pi records the path) and from npm (offline here: the layout npm leaves). */
const INSTALLS: Record<string, (world: PiWorld) => Promise<void>> = {
	"pi install <checkout>": async (world) => {
		const installed = await runPi(world, ["install", REPO]);
		expect(installed.code, installed.stderr).toBe(0);
	},
	"pi install npm:pi-dispatch (no pi package beside it)": async (world) => {
		// What `npm pack` ships of the build, where pi's npm installs go, and pi's record of it.
		await installLikePi(join(world.agentDir, "npm", "node_modules"), [
			[join(REPO, "dist"), "dist"],
			[join(REPO, "package.json"), "package.json"],
		]);
		const settingsFile = join(world.agentDir, "settings.json");
		const settings = JSON.parse(await readFile(settingsFile, "utf8")) as Record<string, unknown>;
		await writeFile(settingsFile, JSON.stringify({ ...settings, packages: ["npm:pi-dispatch"] }));
	},
};

describe.each(Object.entries(INSTALLS))("the package installed with %s", (_name, install) => {
	it("answers a prompt after its actor refreshed an expired login (the worker bundle found from the extension bundle)", {
		timeout: 90_000,
	}, async ({ world }) => {
		await world.seed([{ accountId: "acct-a" }], ["alpha"]);
		await world.store.update((data) => {
			data.accounts[0]!.credentials.expiresAt = Date.now() - 1000;
		});
		const before = (await world.store.read()).accounts[0]!.credentials.refresh;

		await install(world);
		const withDispatch = join(world.root, "modules-with-dispatch.json");
		const probe = join(world.root, "probe.json");
		world.env.PI_DISPATCH_PROBE_OUT = probe;
		const result = await runPi(world, ["--no-session", "-e", PROBE, "--model", MODEL, "-p", "say hi"], withDispatch);
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toBe("Hello from acct-a.\n");
		// pi-ai's Codex client module, found where pi runs it (pi's bundle names it with a hash).
		expect(JSON.parse(await readFile(probe, "utf8")).codexClients).toEqual([
			{ mode: "direct", detail: expect.stringMatching(/^openai-codex-responses(-[A-Za-z0-9]+)?\.js$/) },
		]);

		// pi-ai is pi's own: pi-dispatch loads no pi-ai module that pi alone does not (a second pi-ai,
		// every provider with it, was ~90 ms of each pi start).
		const alone = join(world.root, "modules-alone.json");
		await runPi(world, ["--no-session", "--no-extensions", "--model", MODEL, "-p", "say hi"], alone);
		const piAiModules = async (file: string) =>
			(JSON.parse(await readFile(file, "utf8")) as string[]).filter((url) =>
				url.includes("/@earendil-works/pi-ai/"),
			);
		const own = new Set(await piAiModules(alone));
		expect((await piAiModules(withDispatch)).filter((url) => !own.has(url))).toEqual([]);

		// Only the actor refreshes: the token call proves its worker thread ran, from the package's bundle.
		expect(world.fake.requests.filter((r) => r.route === "token")).toHaveLength(1);
		const after = (await world.store.read()).accounts[0]!.credentials;
		expect(after.refresh).not.toBe(before);
		expect(after.expiresAt).toBeGreaterThan(Date.now());
		for (const secret of world.secrets()) expect(result.stdout + result.stderr).not.toContain(secret);
	});
});
