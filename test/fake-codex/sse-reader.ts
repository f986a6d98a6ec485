// Minimal SSE frame reader for tests and benches talking to the fake over raw
// fetch: returns each frame's event name and parsed data.

export interface SseFrame {
	event: string | undefined;
	data: Record<string, unknown>;
}

export function parseSseText(text: string): SseFrame[] {
	const frames: SseFrame[] = [];
	for (const block of text.split("\n\n")) {
		let event: string | undefined;
		const data: string[] = [];
		for (const line of block.split("\n")) {
			if (line.startsWith("event:")) event = line.slice(6).trim();
			else if (line.startsWith("data:")) data.push(line.slice(5).trim());
		}
		if (data.length > 0) frames.push({ event, data: JSON.parse(data.join("\n")) as Record<string, unknown> });
	}
	return frames;
}

export async function readSse(response: Response): Promise<SseFrame[]> {
	return parseSseText(await response.text());
}
