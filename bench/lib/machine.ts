/** Where the figures were measured: machine, runtime and code versions, for results/latest.json. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, freemem, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface MachineInfo {
	cpuModel: string;
	cores: number;
	memoryGiB: number;
	freeMemoryGiB: number;
	/** 1/5/15-minute load when the run started: other work on the box skews every figure. */
	loadAverage: number[];
	platform: string;
	node: string;
	piAi: string;
	gitCommit: string;
	gitDirty: boolean;
	date: string;
}

const GiB = 1024 ** 3;

export function machineInfo(): MachineInfo {
	const git = gitState();
	return {
		cpuModel: cpus()[0]?.model.trim() ?? "unknown",
		cores: availableParallelism(),
		memoryGiB: Math.round((totalmem() / GiB) * 10) / 10,
		freeMemoryGiB: Math.round((freemem() / GiB) * 10) / 10,
		loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
		platform: `${process.platform} ${process.arch}`,
		node: process.version,
		piAi: piAiVersion(),
		gitCommit: git.commit,
		gitDirty: git.dirty,
		date: new Date().toISOString(),
	};
}

/** The version pi-dispatch actually ran against: the installed package's own package.json. */
function piAiVersion(): string {
	try {
		// The package's export map hides package.json; walk up from its entry to the package root.
		let dir = dirname(fileURLToPath(import.meta.resolve("@earendil-works/pi-ai")));
		for (let i = 0; i < 4; i++) {
			try {
				const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
					name?: string;
					version?: string;
				};
				if (pkg.name === "@earendil-works/pi-ai") return pkg.version ?? "unknown";
			} catch {
				// not here; one level up
			}
			dir = dirname(dir);
		}
	} catch {
		// not installed
	}
	return "unknown";
}

function gitState(): { commit: string; dirty: boolean } {
	try {
		const commit = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
		const status = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8" });
		return { commit, dirty: status.trim().length > 0 };
	} catch {
		return { commit: "unknown", dirty: false };
	}
}
