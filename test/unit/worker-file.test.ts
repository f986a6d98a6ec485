import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { actorWorkerUrl } from "../../src/supervisor/worker-file.ts";

describe("actorWorkerUrl", () => {
	it("uses the TypeScript entry when running from source", () => {
		expect(fileURLToPath(actorWorkerUrl({}))).toBe(
			fileURLToPath(new URL("../../workers/account-actor.ts", import.meta.url)),
		);
	});

	it("honours PI_DISPATCH_ACTOR_WORKER", () => {
		expect(fileURLToPath(actorWorkerUrl({ PI_DISPATCH_ACTOR_WORKER: "/opt/x/actor.js" }))).toBe("/opt/x/actor.js");
	});
});
