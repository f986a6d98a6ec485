/**
 * How pi-dispatch shows a time (formatLocalTime): "HH:MM" today, else with its weekday ("Tue 00:36")
 * or, beyond six days, its month and day ("Dec 9 09:00"). The fakes' resets are hours ahead, so a
 * test's time is tomorrow's in the evening: every pattern for a shown time is this one.
 */
export const SHOWN_TIME = String.raw`(?:\w{3}(?: \d+)? )?\d\d:\d\d`;

/** The failover notice on a line of its own: "<from> exhausted until <time> → <to>" (`to`: a pattern). */
export function failoverNoticeLine(from: string, to: string): RegExp {
	return new RegExp(String.raw`^${from} exhausted until ${SHOWN_TIME} → ${to}$`, "m");
}
