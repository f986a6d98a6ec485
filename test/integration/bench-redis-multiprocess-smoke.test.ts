/** `npm run bench:multiprocess -- --store redis --quick` runs and prints its side-by-side table. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findRedisServer, REDIS_SKIP_REASON } from "../helpers/redis-server.ts";

const BENCH = fileURLToPath(new URL("../../bench/multiprocess.ts", import.meta.url));

describe.skipIf(!findRedisServer())(
	`bench --store redis${findRedisServer() ? "" : ` (skipped: ${REDIS_SKIP_REASON})`}`,
	() => {
		it("--quick prints the file and Redis figures side by side, every row measured", {
			timeout: 180_000,
		}, async () => {
			const child = spawn(process.execPath, [BENCH, "--store", "redis", "--quick"], {
				stdio: ["ignore", "pipe", "pipe"],
			});
			let stdout = "";
			let stderr = "";
			child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
			child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
			const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
			expect(code, stderr).toBe(0);
			const rows = stdout
				.split("\n")
				.filter((l) => l.startsWith("| ") && !l.startsWith("| figure") && !l.startsWith("| -"));
			expect(
				rows.map((r) =>
					r
						.split("|")[1]!
						.trim()
						.replace(/ \(\d+( samples)?\)$/, ""),
				),
			).toEqual([
				"cooldown propagation",
				"refresh lock hand-off",
				"read, one process",
				"cooldown write, one process",
			]);
			for (const row of rows) expect(row).not.toContain("NaN");
			expect(stdout).toMatch(/≤ 50 ms p99 across machines: (yes|NO)/);
		});
	},
);
