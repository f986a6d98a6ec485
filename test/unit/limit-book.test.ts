/** Per-model limits: which model counts against which limit, and each account's spent limits until they reset. */
import { describe, expect, it } from "vitest";
import { LimitBook } from "../../src/supervisor/limit-book.ts";

const NOW = 1_800_000_000_000;

describe("LimitBook", () => {
	it("learns which limit a model counts against; only a change is news", () => {
		const book = new LimitBook();
		expect(book.limitOf("gpt-5.3-codex-spark")).toBeUndefined();
		expect(book.limitOf(undefined)).toBeUndefined();
		expect(book.learnModel("gpt-5.3-codex-spark", "codex_bengalfox")).toBe(true);
		expect(book.limitOf("gpt-5.3-codex-spark")).toBe("codex_bengalfox");
		expect(book.learnModel("gpt-5.3-codex-spark", "codex_bengalfox")).toBe(false);
		expect(book.learnModel("gpt-5.3-codex-spark", "codex_other")).toBe(true);
		expect(book.limitOf("gpt-5.3-codex-spark")).toBe("codex_other");
	});

	it("a model found on the main limit again is forgotten (news only when it was known)", () => {
		const book = new LimitBook();
		expect(book.learnModel("gpt-5", "codex")).toBe(false);
		book.learnModel("gpt-5", "codex_bengalfox");
		expect(book.learnModel("gpt-5", "codex")).toBe(true);
		expect(book.limitOf("gpt-5")).toBeUndefined();
	});

	it("keeps the later end per account and limit, and drops what is over", () => {
		const book = new LimitBook();
		book.exhaust("a", "codex_bengalfox", NOW + 100);
		book.exhaust("a", "codex_bengalfox", NOW + 50);
		book.exhaust("a", "codex_other", NOW + 10);
		book.exhaust("b", "codex_other", NOW + 500);
		expect(book.active("a", NOW)).toEqual({ codex_bengalfox: NOW + 100, codex_other: NOW + 10 });
		expect(book.active("a", NOW + 10)).toEqual({ codex_bengalfox: NOW + 100 });
		book.exhaust("a", "codex_bengalfox", NOW + 200);
		expect(book.active("a", NOW + 99)).toEqual({ codex_bengalfox: NOW + 200 });
		expect(book.active("a", NOW + 200)).toBeUndefined();
		// Once all are over the account's entry is gone: a later, shorter one starts afresh.
		book.exhaust("a", "codex_bengalfox", NOW + 300);
		expect(book.active("a", NOW + 250)).toEqual({ codex_bengalfox: NOW + 300 });
		expect(book.active("b", NOW)).toEqual({ codex_other: NOW + 500 });
		expect(book.active("nobody", NOW)).toBeUndefined();
	});

	it("adopts what the store holds: models and cooldowns, the later end winning", () => {
		const book = new LimitBook();
		book.exhaust("a", "codex_bengalfox", NOW + 100);
		book.adopt("a", {
			limitModels: { "gpt-5.3-codex-spark": "codex_bengalfox" },
			limitCooldowns: { codex_bengalfox: NOW + 50, codex_other: NOW + 70 },
		});
		expect(book.limitOf("gpt-5.3-codex-spark")).toBe("codex_bengalfox");
		expect(book.active("a", NOW)).toEqual({ codex_bengalfox: NOW + 100, codex_other: NOW + 70 });
		book.adopt("a", {});
		expect(book.active("a", NOW)).toEqual({ codex_bengalfox: NOW + 100, codex_other: NOW + 70 });
	});

	it("forgets an account's cooldowns (a new login), not the other accounts'", () => {
		const book = new LimitBook();
		book.exhaust("a", "codex_bengalfox", NOW + 100);
		book.exhaust("b", "codex_bengalfox", NOW + 100);
		book.forget("a");
		expect(book.active("a", NOW)).toBeUndefined();
		expect(book.active("b", NOW)).toEqual({ codex_bengalfox: NOW + 100 });
	});
});
