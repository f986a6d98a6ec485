/**
 * pi through its SDK, in this process: a real AgentSession with pi-dispatch bound as an inline
 * extension and a recording UI context, against the fake Codex backend.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PI_LOGIN_NAME, PI_PROVIDER_NAME } from "../../src/commands/pi-login.ts";
import piDispatch from "../../src/index.ts";
import { getRuntime, stopRuntime } from "../../src/runtime.ts";
import { eventually } from "../helpers/eventually.ts";
import { defaultCodexModelId, PI_PACKAGE, piAiPackageOf } from "../helpers/pi-under-test.ts";
import { failoverNoticeLine, SHOWN_TIME } from "../helpers/shown-time.ts";
import { createPiWorld, type PiWorld } from "./helpers/pi-world.ts";

// The SDK and catalog of the pi under test (PI_DISPATCH_E2E_PI), not necessarily the dev dependency.
type PiSdk = typeof import("@earendil-works/pi-coding-agent");
type PiAi = typeof import("@earendil-works/pi-ai/compat");
const { createAgentSession, DefaultResourceLoader, ModelRuntime, SessionManager, SettingsManager }: PiSdk =
	await import(pathToFileURL(join(PI_PACKAGE, "dist/index.js")).href);
const { getModel }: PiAi = await import(pathToFileURL(join(piAiPackageOf(PI_PACKAGE), "dist/compat.js")).href);
const MODEL_ID = await defaultCodexModelId(PI_PACKAGE);

interface Recorded {
	notes: { message: string; level: string | undefined }[];
	statuses: (string | undefined)[];
}

/** ExtensionUIContext's methods: notify and setStatus recorded, dialogs declined, the rest no-ops. */
const UI_METHODS = [
	"addAutocompleteProvider",
	"custom",
	"editor",
	"getAllThemes",
	"getEditorComponent",
	"getEditorText",
	"getTheme",
	"getToolsExpanded",
	"onTerminalInput",
	"pasteToEditor",
	"setEditorComponent",
	"setEditorText",
	"setFooter",
	"setHeader",
	"setHiddenThinkingLabel",
	"setTheme",
	"setTitle",
	"setToolsExpanded",
	"setWidget",
	"setWorkingIndicator",
	"setWorkingMessage",
	"setWorkingVisible",
];

function recordingUiContext(recorded: Recorded): never {
	// pi spreads this object, so every method must be an own property (no Proxy).
	const ui: Record<string, unknown> = Object.fromEntries(UI_METHODS.map((name) => [name, () => undefined]));
	ui.notify = (message: string, level?: string) => recorded.notes.push({ message, level });
	ui.setStatus = (_key: string, text: string | undefined) => recorded.statuses.push(text);
	ui.select = async () => undefined;
	ui.input = async () => undefined;
	ui.confirm = async () => false;
	return ui as never;
}

let world: PiWorld;
const saved = { ...process.env };

beforeAll(async () => {
	world = await createPiWorld();
	// alpha is untouched and so preferred; beta has some use: the first request goes to alpha.
	await world.seed(
		[
			{ accountId: "acct-a" },
			{ accountId: "acct-b", primary: { usedPercent: 10, windowMinutes: 300, resetsInSeconds: 3600 } },
		],
		["alpha", "beta"],
	);
	// The extension reads its settings from the environment of the process that runs pi.
	for (const key of [
		"PI_DISPATCH_HOME",
		"PI_DISPATCH_CODEX_BASE_URL",
		"PI_DISPATCH_AUTH_URL",
		"PI_CODING_AGENT_DIR",
	]) {
		process.env[key] = world.env[key];
	}
});

afterAll(async () => {
	await stopRuntime();
	process.env = saved;
	await world.close();
});

describe("pi SDK session with pi-dispatch", () => {
	it("answers through the pool with a visible failover, and runs /dispatch-status", async () => {
		const cwd = world.root;
		const agentDir = world.agentDir;
		const modelRuntime = await ModelRuntime.create({
			authPath: join(agentDir, "auth.json"),
			modelsPath: join(agentDir, "models.json"),
		} as never);
		const settingsManager = SettingsManager.inMemory({ retry: { enabled: false } } as never);
		const resourceLoader = new DefaultResourceLoader({
			cwd,
			agentDir,
			settingsManager,
			noExtensions: true,
			noSkills: true,
			noPromptTemplates: true,
			noContextFiles: true,
			extensionFactories: [{ name: "pi-dispatch", factory: piDispatch }] as never,
		});
		await resourceLoader.reload();
		const { session } = await createAgentSession({
			cwd,
			agentDir,
			modelRuntime,
			model: getModel("openai-codex", MODEL_ID as never),
			resourceLoader,
			sessionManager: SessionManager.inMemory(cwd),
			settingsManager,
			noTools: "all",
		});
		const recorded: Recorded = { notes: [], statuses: [] };
		const errors: unknown[] = [];
		try {
			await session.bindExtensions({
				uiContext: recordingUiContext(recorded),
				mode: "rpc",
				onError: (error) => errors.push(error),
			});
			// pi's /login and /logout see pi-dispatch's login: the pool's name, and a refresh that
			// hands pi's stored login back unchanged.
			const provider = modelRuntime.getProvider("openai-codex");
			expect(provider?.name).toBe(PI_PROVIDER_NAME);
			expect(provider?.auth.oauth?.name).toBe(PI_LOGIN_NAME);
			const expired = { type: "oauth" as const, access: "a", refresh: "r", expires: 0, accountId: "x" };
			expect(await provider?.auth.oauth?.refresh(expired, AbortSignal.timeout(5000))).toEqual(expired);
			// Usage decides the order: poll it now (actors start dormant) and wait for the answers.
			const supervisor = await getRuntime(undefined as never).supervisor();
			await supervisor.refreshUsage();
			await eventually(() => expect(supervisor.accounts().every((a) => a.snapshot.usage)).toBe(true));
			world.fake.setFault("acct-a", { kind: "usage-limit", resetsInSeconds: 1800 });
			await session.prompt("say hi");
			expect(session.getLastAssistantText()).toBe("Hello from acct-b.");
			expect(recorded.notes.map((n) => n.message)).toContainEqual(
				expect.stringMatching(failoverNoticeLine("alpha", "beta")),
			);
			// The footer redraw is coalesced (150 ms): wait for it.
			await eventually(() => expect(recorded.statuses.filter(Boolean).at(-1)).toMatch(/beta/));

			await session.prompt("/dispatch-status");
			const table = recorded.notes.at(-1)!.message;
			expect(table).toMatch(/alpha/);
			expect(table).toMatch(new RegExp(`cooling → ${SHOWN_TIME}`));
			expect(table).toMatch(/beta/);
			expect(errors).toEqual([]);
			const seen = recorded.notes.map((n) => n.message).join("\n");
			for (const secret of world.secrets()) expect(seen).not.toContain(secret);
		} finally {
			session.dispose();
		}
	});
});
