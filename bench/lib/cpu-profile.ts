/**
 * Main-thread CPU profiles of one measured phase (node:inspector, so start-up is left out), and
 * their summary: self and inclusive time per function, and per area (pi-dispatch's folders, pi-ai,
 * undici, Node's internals, GC), which is what bench/README.md ("Where the time goes") quotes.
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
}
interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	children?: number[];
}
export interface CpuProfile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

/** Profiles `run` on the main thread at a 100 µs sampling interval; the profile is written to `file`. */
export async function profiled<T>(file: string, run: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
	const session = new Session();
	session.connect();
	await session.post("Profiler.enable");
	await session.post("Profiler.setSamplingInterval", { interval: 100 });
	await session.post("Profiler.start");
	const result = await run();
	const { profile } = (await session.post("Profiler.stop")) as unknown as { profile: CpuProfile };
	session.disconnect();
	await writeFile(file, JSON.stringify(profile));
	return { result, profile };
}

export interface ProfileEntry {
	name: string;
	/** ms */
	self: number;
	total: number;
}

export interface ProfileSummary {
	/** ms of samples, idle excluded. */
	busyMs: number;
	idleMs: number;
	areas: ProfileEntry[];
	functions: ProfileEntry[];
}

/** Where a frame's code lives, coarsely: the unit "where the time goes" is said in. */
export function areaOf(frame: CallFrame): string {
	const { url, functionName } = frame;
	if (!url) {
		if (functionName === "(garbage collector)") return "GC";
		if (functionName === "(idle)") return "(idle)";
		return functionName.startsWith("(") ? functionName : "native";
	}
	const src = /\/(src|workers|bench|test)\/(?:([\w-]+)\/)?[\w.-]+$/.exec(url);
	if (src && !url.includes("node_modules")) return `pi-dispatch ${src[1]}/${src[2] ?? ""}`.replace(/\/$/, "");
	const pkg = /node_modules\/((?:@[\w.-]+\/)?[\w.-]+)/.exec(url);
	if (pkg) return pkg[1]!;
	if (url.startsWith("node:internal/deps/undici")) return "undici (fetch)";
	if (url.startsWith("node:internal/webstreams")) return "web streams";
	if (url.startsWith("node:")) return `node ${url.slice(5).split("/").slice(0, 2).join("/")}`;
	return url;
}

function frameName(frame: CallFrame): string {
	const file = frame.url.replace(/^.*\/(node_modules\/|src\/|workers\/|bench\/|test\/)/, "$1");
	return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
	const self = new Map<number, number>();
	profile.samples.forEach((id, i) => {
		self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
	});
	const fnSelf = new Map<string, number>();
	const fnTotal = new Map<string, number>();
	const areaSelf = new Map<string, number>();
	const areaTotal = new Map<string, number>();
	let idleMs = 0;
	let busyMs = 0;
	for (const [id, ms] of self) {
		const node = byId.get(id)!;
		if (node.callFrame.functionName === "(idle)") {
			idleMs += ms;
			continue;
		}
		busyMs += ms;
		const name = frameName(node.callFrame);
		fnSelf.set(name, (fnSelf.get(name) ?? 0) + ms);
		const area = areaOf(node.callFrame);
		areaSelf.set(area, (areaSelf.get(area) ?? 0) + ms);
		// Inclusive: once per function and per area on this stack.
		const names = new Set<string>();
		const areas = new Set<string>();
		for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
			const frame = byId.get(at)!.callFrame;
			if (frame.functionName === "(root)") continue;
			names.add(frameName(frame));
			areas.add(areaOf(frame));
		}
		for (const n of names) fnTotal.set(n, (fnTotal.get(n) ?? 0) + ms);
		for (const a of areas) areaTotal.set(a, (areaTotal.get(a) ?? 0) + ms);
	}
	const entries = (selfMap: Map<string, number>, totalMap: Map<string, number>) =>
		[...totalMap.keys()].map((name) => ({
			name,
			self: round(selfMap.get(name) ?? 0),
			total: round(totalMap.get(name) ?? 0),
		}));
	return {
		busyMs: round(busyMs),
		idleMs: round(idleMs),
		areas: entries(areaSelf, areaTotal).sort((a, b) => b.self - a.self),
		functions: entries(fnSelf, fnTotal)
			.sort((a, b) => b.self - a.self)
			.slice(0, top),
	};
}

function round(value: number): number {
	return Math.round(value * 100) / 100;
}
