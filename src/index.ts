/**
 * pi-dispatch: several ChatGPT Codex accounts behind pi's built-in Codex provider.
 *
 * The entry pi's loader runs. It takes pi-ai from here and the rest with a dynamic import because
 * pi hands an extension its own pi-ai only in a module its loader (jiti) transpiles: an ES module
 * package's `.js` files are imported natively, and a native `@earendil-works/pi-ai` import loads a
 * second pi-ai with every provider (~90 ms of each pi start). In the package this file is
 * `dist/extension/index.js` (transpiled) and the import is `dist/pi-dispatch.js`, the rest in one
 * native module without pi-ai (scripts/build.ts).
 */
import type { ExtensionAPI } from "@earendil-works/pi-coding-agent";
import { hostPiAi } from "./pi/host-pi-ai.ts";

export default async function piDispatch(pi: ExtensionAPI): Promise<void> {
	const { installDispatch } = await import("./pi/glue.ts");
	installDispatch(pi, hostPiAi);
}
