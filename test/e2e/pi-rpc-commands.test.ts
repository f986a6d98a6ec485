/**
 * The real pi in RPC mode against the fake backend: the first-start import offer, /dispatch-import,
 * /dispatch-login (the test plays the browser), relabel, /dispatch-use, a visible failover,
 * /dispatch-status and /dispatch-remove, with every message one line and no token anywhere.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { completeInBrowser } from "../fixtures/auth/fake-browser.ts";
import { failoverNoticeLine, SHOWN_TIME } from "../helpers/shown-time.ts";
import { createPiWorld, type PiWorld } from "./helpers/pi-world.ts";
import { RpcPi } from "./helpers/rpc-pi.ts";

let world: PiWorld;
let pi: RpcPi | undefined;
beforeEach(async () => {
	world = await createPiWorld();
});
afterEach(async () => {
	await pi?.close();
	pi = undefined;
	await world.close();
});

describe("pi --mode rpc with pi-dispatch", () => {
	it("imports, logs in, relabels, pins, fails over visibly, shows status and removes", async () => {
		world.fake.addAccount({ accountId: "acct-pi", email: "pi@example.test" });
		world.fake.addAccount({ accountId: "acct-cli", email: "cli@example.test", plan: "pro" });
		world.fake.addAccount({ accountId: "acct-new", email: "new@example.test" });
		await world.writePiLogin("acct-pi");
		pi = new RpcPi(world);
		const rpc = pi;

		// First start, empty pool, pi's own login found: taken over without a question, in one line.
		await rpc.waitFor((e) => e.method === "notify" && /^pi-dispatch took over/.test(e.message));
		expect(rpc.notifications()).toEqual([
			{
				message:
					"pi-dispatch took over pi's ChatGPT login (pi@example.test (plus)) as account-1; it refreshes that login from now on.",
				level: "info",
			},
		]);
		expect(rpc.uiRequests("confirm")).toEqual([]);

		// /dispatch-import: the Codex CLI's login is new, pi's is already there.
		await world.writeCodexLogin("acct-cli");
		let from = rpc.events.length;
		await rpc.prompt("/dispatch-import");
		expect(rpc.notifications(from).map((n) => n.message)).toEqual([
			expect.stringMatching(
				/^pi@example\.test \(plus\) from pi's login .* is already account-1; kept its current login\.$/,
			),
			expect.stringMatching(/^Imported cli@example\.test \(pro\) from the Codex CLI's login .* as account-2\.$/),
			expect.stringMatching(/^The Codex CLI refreshes its copy/),
		]);

		// /dispatch-login: pi shows the URL; the test is the browser.
		from = rpc.events.length;
		const login = rpc.prompt("/dispatch-login");
		const urlNote = await rpc.waitFor((e) => e.method === "notify" && /^Log in to ChatGPT/.test(e.message), { from });
		const url = String(urlNote.message).replace(/^.*?: /, "");
		expect((await completeInBrowser(url)).status).toBe(200);
		await login;
		expect(rpc.notifications(from).at(-1)).toEqual({
			message: "Logged in new@example.test (plus); added as account-3.",
			level: "info",
		});
		// The paste dialog was offered meanwhile (and closed by the callback).
		expect(rpc.uiRequests("input", from)).toHaveLength(1);

		// The same account again with a label: relabelled, never duplicated.
		from = rpc.events.length;
		const relogin = rpc.prompt("/dispatch-login work");
		const again = await rpc.waitFor((e) => e.method === "notify" && /^Log in to ChatGPT/.test(e.message), { from });
		await completeInBrowser(String(again.message).replace(/^.*?: /, ""));
		await relogin;
		expect(rpc.notifications(from).at(-1)?.message).toBe(
			"Logged in new@example.test (plus); updated the login of account-3, now labelled work.",
		);
		expect((await world.store.read()).accounts.map((a) => a.label)).toEqual(["account-1", "account-2", "work"]);

		// Bad input: one line each.
		from = rpc.events.length;
		await rpc.prompt("/dispatch-login bad label");
		await rpc.prompt("/dispatch-use nope");
		expect(rpc.notifications(from)).toEqual([
			{ message: '/dispatch-login: The label "bad label" contains whitespace; use e.g. - or _.', level: "error" },
			{
				message: '/dispatch-use: No account is labelled "nope". Known labels: account-1, account-2, work.',
				level: "error",
			},
		]);

		// Pin "work", then make it run out: the answer comes from another account, and pi says so.
		from = rpc.events.length;
		await rpc.prompt("/dispatch-use work");
		expect(rpc.notifications(from).at(-1)?.message).toMatch(/^This session now uses work until it runs out/);
		expect(rpc.uiRequests("setStatus", from).at(-1)?.statusText).toMatch(/^codex: work, pinned/);
		world.fake.setFault("acct-new", { kind: "usage-limit", resetsInSeconds: 3600 });
		from = rpc.events.length;
		const turn = await rpc.ask("say hi");
		const answer = turn.filter((e) => e.type === "message_end" && e.message?.role === "assistant").at(-1);
		const text = answer?.message.content.map((c: { text?: string }) => c.text ?? "").join("");
		expect(text).toMatch(/^Hello from acct-(pi|cli)\.$/);
		const servedBy = text.includes("acct-pi") ? "account-1" : "account-2";
		const warnings = rpc.notifications(from).filter((n) => n.level === "warning");
		expect(warnings).toEqual([
			{
				message: "work ran out of quota: the /dispatch-use pin is cleared and pi-dispatch picks accounts again.",
				level: "warning",
			},
			{
				message: expect.stringMatching(failoverNoticeLine("work", servedBy)),
				level: "warning",
			},
		]);
		await rpc.waitFor((e) => e.method === "setStatus" && String(e.statusText).startsWith(`codex: ${servedBy}`), {
			from,
		});

		// /dispatch-status: plain text through notify in RPC mode.
		from = rpc.events.length;
		await rpc.prompt("/dispatch-status");
		const table = rpc.notifications(from).at(-1)?.message ?? "";
		expect(table.split("\n")[1]).toMatch(/^LABEL\s+PLAN\s+STATE/);
		expect(table).toMatch(new RegExp(`${servedBy}\\s+\\w+\\s+active here`));
		expect(table).toMatch(new RegExp(String.raw`work\s+plus\s+cooling → ${SHOWN_TIME}\s+100% ${SHOWN_TIME}`));

		// /dispatch-remove asks first.
		from = rpc.events.length;
		const removal = rpc.prompt("/dispatch-remove account-1");
		const confirm = await rpc.waitFor((e) => e.method === "confirm", { from });
		expect(confirm.title).toBe("Remove account-1 (pi@example.test)?");
		rpc.answer(confirm as never, { confirmed: true });
		await removal;
		expect(rpc.notifications(from).at(-1)?.message).toBe("Removed account-1 (pi@example.test).");
		const stored = await world.store.read();
		expect(stored.accounts.map((a) => a.label)).toEqual(["account-2", "work"]);

		expect(await rpc.close()).toBe(0);
		expect(rpc.events.filter((e) => e.type === "extension_error")).toEqual([]);
		const transcript = rpc.transcript();
		const secrets = [
			...world.secrets(),
			...stored.accounts.flatMap((a) => [a.credentials.access, a.credentials.refresh]),
		];
		for (const secret of secrets) expect(transcript).not.toContain(secret);
		expect(transcript).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
	});
});
