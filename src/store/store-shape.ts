/**
 * Shape checks for schema-1 data. A problem is reported as a path ("accounts[1].credentials.access
 * must be a string"), never with the value, since values are tokens. Unknown extra fields are
 * kept as they are, so a newer minor version's additions survive a round trip.
 */

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
	// Stryker disable next-line ConditionalExpression: Number.isFinite is false for every non-number
	return typeof value === "number" && Number.isFinite(value);
}

/** One failed expectation, or undefined. `kind` is "string", "number" or "object"; `?` = optional. */
function check(obj: Obj, key: string, kind: string, where: string): string | undefined {
	const optional = kind.endsWith("?");
	const type = optional ? kind.slice(0, -1) : kind;
	const value = obj[key];
	if (value === undefined && optional) return undefined;
	const ok =
		type === "number"
			? isFiniteNumber(value)
			: type === "object"
				? isObject(value)
				: type === "nonempty"
					? typeof value === "string" && value.length > 0
					: typeof value === type;
	if (ok) return undefined;
	const expected = type === "nonempty" ? "a non-empty string" : type === "object" ? "an object" : `a ${type}`;
	return `${where}.${key} must be ${expected}`;
}

function firstProblem(obj: Obj, fields: Record<string, string>, where: string): string | undefined {
	for (const [key, kind] of Object.entries(fields)) {
		const problem = check(obj, key, kind, where);
		if (problem) return problem;
	}
	return undefined;
}

function accountProblem(value: unknown, where: string): string | undefined {
	if (!isObject(value)) return `${where} must be an object`;
	const top = firstProblem(
		value,
		{
			id: "nonempty",
			label: "nonempty",
			email: "string?",
			plan: "string?",
			seat: "string?",
			workspace: "string?",
			credentials: "object",
			addedAt: "number",
			updatedAt: "number",
			needsLogin: "object?",
		},
		where,
	);
	if (top) return top;
	const creds = firstProblem(
		value.credentials as Obj,
		{ access: "string", refresh: "string", expiresAt: "number", idToken: "string?" },
		`${where}.credentials`,
	);
	if (creds) return creds;
	if (value.needsLogin !== undefined) {
		return firstProblem(value.needsLogin as Obj, { since: "number", reason: "string" }, `${where}.needsLogin`);
	}
	return undefined;
}

function stateProblem(value: unknown, where: string): string | undefined {
	if (!isObject(value)) return `${where} must be an object`;
	const top = firstProblem(
		value,
		{
			cooldownUntil: "number?",
			cooldownReason: "string?",
			usage: "object?",
			pollLease: "object?",
			limitCooldowns: "object?",
			limitModels: "object?",
			probeDue: "number?",
			probeLease: "object?",
			modelRefusals: "object?",
			degradedUntil: "number?",
		},
		where,
	);
	if (top) return top;
	if (value.pollLease !== undefined) {
		const lease = firstProblem(value.pollLease as Obj, { owner: "string", until: "number" }, `${where}.pollLease`);
		if (lease) return lease;
	}
	if (value.usage === undefined) return undefined;
	const usage = value.usage as Obj;
	const u = firstProblem(
		usage,
		{ observedAt: "number", source: "string", planType: "string?", primary: "object?", secondary: "object?" },
		`${where}.usage`,
	);
	if (u) return u;
	for (const name of ["primary", "secondary"]) {
		if (usage[name] === undefined) continue;
		const w = firstProblem(
			usage[name] as Obj,
			{ usedPercent: "number", windowMinutes: "number", resetsAt: "number?" },
			`${where}.usage.${name}`,
		);
		if (w) return w;
	}
	return undefined;
}

/** The first thing wrong with `{ accounts, state }`, or undefined when it is valid StoreData. */
export function storeDataProblem(value: Obj): string | undefined {
	if (!Array.isArray(value.accounts)) return "accounts must be an array";
	if (!isObject(value.state)) return "state must be an object";
	if (value.settings !== undefined) {
		if (!isObject(value.settings)) return "settings must be an object";
		const credits = value.settings.credits;
		if (credits !== undefined && credits !== "never" && credits !== "last-resort") {
			return 'settings.credits must be "never" or "last-resort"';
		}
		const problem = capsProblem(value.settings.caps) ?? alertsProblem(value.settings.alerts);
		if (problem) return problem;
	}
	const seen = new Set<string>();
	for (const [i, account] of value.accounts.entries()) {
		const problem = accountProblem(account, `accounts[${i}]`);
		if (problem) return problem;
		const id = (account as Obj).id as string;
		// The id is the dedup key; two records for one account would fight over one refresh token.
		if (seen.has(id)) return `accounts[${i}].id repeats an earlier account`;
		seen.add(id);
	}
	for (const [key, entry] of Object.entries(value.state)) {
		// The key is an account id (not a secret); cut short so the message stays one line.
		const problem = stateProblem(entry, `state[${JSON.stringify(key).slice(0, 80)}]`);
		if (problem) return problem;
	}
	return undefined;
}

function windowCapsProblem(value: unknown, where: string): string | undefined {
	if (!isObject(value)) return `${where} must be an object`;
	for (const [window, rule] of Object.entries(value)) {
		const at = `${where}.${window.slice(0, 20)}`;
		if (window !== "5h" && window !== "weekly") return `${where} may only name the windows 5h and weekly`;
		if (!isObject(rule)) return `${at} must be an object`;
		if (!isFiniteNumber(rule.percent) || rule.percent <= 0 || rule.percent > 100) {
			return `${at}.percent must be a number in (0, 100]`;
		}
		if (rule.hard !== undefined && typeof rule.hard !== "boolean") return `${at}.hard must be a boolean`;
	}
	return undefined;
}

function capsProblem(value: unknown): string | undefined {
	if (value === undefined) return undefined;
	if (!isObject(value)) return "settings.caps must be an object";
	if (value.all !== undefined) {
		const problem = windowCapsProblem(value.all, "settings.caps.all");
		if (problem) return problem;
	}
	if (value.accounts === undefined) return undefined;
	if (!isObject(value.accounts)) return "settings.caps.accounts must be an object";
	for (const [id, caps] of Object.entries(value.accounts)) {
		const problem = windowCapsProblem(caps, `settings.caps.accounts[${JSON.stringify(id).slice(0, 80)}]`);
		if (problem) return problem;
	}
	return undefined;
}

function numberMap(value: unknown): boolean {
	return value === undefined || (isObject(value) && Object.values(value).every(isFiniteNumber));
}

function alertsProblem(value: unknown): string | undefined {
	if (value === undefined) return undefined;
	if (!isObject(value)) return "settings.alerts must be an object";
	if (value.enabled !== undefined && typeof value.enabled !== "boolean")
		return "settings.alerts.enabled must be a boolean";
	const thresholds = value.thresholds;
	if (
		thresholds !== undefined &&
		!(Array.isArray(thresholds) && thresholds.every((t) => isFiniteNumber(t) && t > 0 && t < 100))
	) {
		return "settings.alerts.thresholds must be numbers in (0, 100)";
	}
	if (value.fired === undefined) return undefined;
	if (!isObject(value.fired)) return "settings.alerts.fired must be an object";
	if (!numberMap(value.fired.pool)) return "settings.alerts.fired.pool must map thresholds to numbers";
	if (!numberMap(value.fired.needsLogin)) return "settings.alerts.fired.needsLogin must map accounts to numbers";
	return undefined;
}

export { isObject };
