/**
 * Arms for the SSE-vs-WebSocket comparison. pi-ai keeps one WebSocket per (sessionId, account) open
 * for 5 minutes and reuses it for that session's next turn; a new sessionId opens a new socket. SSE
 * goes through fetch's keep-alive pool either way. Every WebSocket arm counts the requests it meant
 * to send that way, so a silent fallback to SSE (pi-ai's reaction to a transport failure) shows up
 * as a difference against the upstream's WebSocket count.
 */
import { type AssistantMessageEvent, cleanupSessionResources } from "@earendil-works/pi-ai";
import type { CodexTransport } from "../../src/config.ts";
import { benchContext, directStream } from "./client.ts";
import type { Arm } from "./interleave.ts";
import { timeStream, ttftOf } from "./measure.ts";
import { FRESH_USAGE_LIMIT, type UnknownFailoverKit } from "./unknown-failover.ts";
import type { Upstream } from "./upstream.ts";

export type Transport = Exclude<CodexTransport, "auto">;

/** Requests the WebSocket arms sent; compared with the upstream's count at the end. */
export class WebSocketTally {
	sent = 0;
}

/**
 * One stream per sample on a brand-new session (a new socket on WebSocket), closed afterwards as
 * pi does when a session ends, so sockets never pile up over the run.
 */
export function newSessionArm(
	prefix: string,
	transport: Transport,
	tally: WebSocketTally,
	start: (sessionId: string) => AsyncIterable<AssistantMessageEvent>,
): Arm {
	let n = 0;
	return async () => {
		const sessionId = `${prefix}-${++n}`;
		if (transport === "websocket") tally.sent++;
		try {
			return ttftOf(await timeStream(() => start(sessionId)));
		} finally {
			cleanupSessionResources(sessionId);
		}
	};
}

/** Every sample on the same session: after the first, a reused socket on WebSocket. */
export function sameSessionArm(
	sessionId: string,
	transport: Transport,
	tally: WebSocketTally,
	start: (sessionId: string) => AsyncIterable<AssistantMessageEvent>,
): Arm {
	return async () => {
		if (transport === "websocket") tally.sent++;
		return ttftOf(await timeStream(() => start(sessionId)));
	};
}

/**
 * Unknown failover in a pi session that was on A: one untimed turn on A first (over WebSocket it
 * leaves the session's socket to A open, as a running session has), then A's usage limit is armed
 * and the timed request goes through the kit's dispatcher (whose transport the kit's rig sets): A
 * answers usage-limit (over WebSocket only as text, in band), the dispatcher moves on to B (a new
 * socket there). Checked at the upstream: A's limit was hit, over the expected transport.
 */
export function sessionFailoverArm(upstream: Upstream, kit: UnknownFailoverKit, transport: Transport): Arm {
	const context = benchContext();
	const a = kit.exhausted;
	const b = kit.healthy;
	const ws = transport === "websocket" ? 1 : 0;
	let n = 0;
	return async () => {
		const sessionId = `${a.accountId}-${transport}-${++n}`;
		try {
			const warm = await timeStream(() =>
				directStream(kit.rig.model, context, a.tokens.access, { transport, sessionId }),
			);
			if (warm.error !== undefined) return `the warm-up turn on A failed: ${warm.error}`;
			const [beforeA, beforeB] = await Promise.all([upstream.hits(a.accountId), upstream.hits(b.accountId)]);
			await upstream.setFault(a.accountId, FRESH_USAGE_LIMIT, 1);
			const timing = await timeStream(() => kit.rig.stream(context, { sessionId }));
			const [afterA, afterB] = await Promise.all([upstream.hits(a.accountId), upstream.hits(b.accountId)]);
			if (afterA.faulted !== beforeA.faulted + 1) {
				await upstream.clearFault(a.accountId);
				return `misrouted: ${a.accountId} was not tried first`;
			}
			const viaWs = afterA.websocket - beforeA.websocket + afterB.websocket - beforeB.websocket;
			if (viaWs !== 2 * ws) return `${viaWs} of the 2 attempts went over WebSocket (expected ${2 * ws})`;
			return ttftOf(timing);
		} finally {
			cleanupSessionResources(sessionId);
		}
	};
}
