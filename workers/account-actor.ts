/**
 * Piscina entry of an account actor. While the account is active its pool (one thread) runs exactly
 * one long task: this function, which serves the supervisor's messages on the transferred port
 * until `shutdown` (deactivation or pi quitting).
 * A crash rejects that task in the supervisor, which restarts the actor. Imports nothing from pi:
 * worker threads do not see pi's module aliases.
 */
import type { MessagePort } from "node:worker_threads";
import { threadId } from "node:worker_threads";
import { type ActorToSupervisorBody, PROTOCOL_VERSION, type SupervisorToActor } from "../src/protocol/messages.ts";
import { AccountActor } from "./actor-core.ts";
import { createActorDeps } from "./actor-deps.ts";

export interface ActorTask {
	port: MessagePort;
}

export default function runActor({ port }: ActorTask): Promise<void> {
	return new Promise<void>((resolve, reject) => {
		let actor: AccountActor | undefined;
		const send = (message: ActorToSupervisorBody) => {
			const tagged = { v: PROTOCOL_VERSION, ...message };
			if (tagged.type === "ready" || tagged.type === "snapshot") tagged.snapshot.threadId = threadId;
			port.postMessage(tagged);
		};
		port.on("message", (message: SupervisorToActor) => {
			if (message.v !== PROTOCOL_VERSION) {
				// A stale worker file next to a newer supervisor: fail the task, do not guess.
				void actor?.stop();
				port.close();
				reject(new Error(`actor speaks protocol ${PROTOCOL_VERSION}, supervisor sent ${String(message.v)}`));
				return;
			}
			if (message.type === "start") {
				actor = new AccountActor(message, createActorDeps(message, send));
				actor.start();
				return;
			}
			if (message.type === "shutdown") {
				// Store writes still in flight reach disk first (bounded inside `stop`).
				void (actor?.stop() ?? Promise.resolve()).finally(() => {
					port.close();
					resolve();
				});
				return;
			}
			actor?.handle(message);
		});
	});
}
