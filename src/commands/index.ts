/** The slash commands pi-dispatch registers, by name. */
import type { CommandEnv } from "./command-env.ts";

export interface DispatchCommand {
	name: string;
	description: string;
	run(args: string, env: CommandEnv): Promise<void>;
	/** Completions for the argument (labels), from the running supervisor. */
	complete?(prefix: string, env: Pick<CommandEnv, "runtime">): string[];
}

export const COMMANDS: DispatchCommand[] = [];
