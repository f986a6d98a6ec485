import {
	ActorCrashedError,
	DispatchError,
	describeError,
	NeedsLoginError,
	ProtocolMismatchError,
	TransientUpstreamError,
} from "../errors.ts";
import type { WireError } from "./messages.ts";

/** Errors lose their class across postMessage: send the code, rebuild the class on arrival. */
export function toWireError(error: unknown): WireError {
	if (error instanceof DispatchError) return { code: error.code, message: error.message };
	return { code: "E_DISPATCH", message: describeError(error) };
}

export function fromWireError(wire: WireError): DispatchError {
	switch (wire.code) {
		case "E_NEEDS_LOGIN":
			return new NeedsLoginError(wire.message);
		case "E_TRANSIENT_UPSTREAM":
			return new TransientUpstreamError(wire.message);
		case "E_ACTOR_CRASHED":
			return new ActorCrashedError(wire.message);
		case "E_PROTOCOL":
			return new ProtocolMismatchError(wire.message);
		default:
			return new DispatchError(wire.message);
	}
}
