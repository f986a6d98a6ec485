/** pi-dispatch: several ChatGPT Codex accounts behind pi's built-in Codex provider. */
import type { ExtensionAPI } from "@earendil-works/pi-coding-agent";
import { installDispatch } from "./pi/glue.ts";

export default function piDispatch(pi: ExtensionAPI): void {
	installDispatch(pi);
}
