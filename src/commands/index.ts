/** The slash commands pi-dispatch registers, by name. */
import { alertsCommand } from "./alerts.ts";
import { capCommand } from "./cap.ts";
import type { DispatchCommand } from "./command-env.ts";
import { creditsCommand } from "./credits.ts";
import { importCommand } from "./import.ts";
import { loginCommand } from "./login.ts";
import { poolCopyCommand } from "./pool-copy.ts";
import { recheckCommand } from "./recheck.ts";
import { removeCommand } from "./remove.ts";
import { statusCommand } from "./status.ts";
import { useCommand } from "./use.ts";

export type { DispatchCommand } from "./command-env.ts";

export const COMMANDS: DispatchCommand[] = [
	loginCommand(),
	useCommand(),
	statusCommand(),
	creditsCommand(),
	capCommand(),
	recheckCommand(),
	alertsCommand(),
	removeCommand(),
	importCommand(),
	poolCopyCommand(),
];
