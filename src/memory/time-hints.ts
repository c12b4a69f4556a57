// Reads the time a query refers to: "yesterday", "3 days ago", "two weeks ago", "last Tuesday",
// "last week/month/year", "this month", "in the past few months", "since the start of the year",
// "in March", "March 5", "5 March 2023", "2023-03-05", and recency words ("currently", "most
// recently", "latest"). Relative expressions are resolved against `now` (the time the question is
// asked, UTC calendar). A hint is a range plus a tolerance: people are loose with "a month ago", so
// ranking treats the range as a strong preference, not a filter.
//
// Hand-written rather than chrono-node: we need ranges with a vagueness ("in March" is a month,
// "four weeks ago" is a point give or take days), past-oriented resolution, and English only;
// chrono returns points, assumes the future for bare months, and adds ~9 MB of locales.

const DAY = 86_400_000;

/** A period the query is about: [from, to] in epoch ms, and how far outside it still half counts. */
export interface TimeRange {
  from: number;
  to: number;
  /** Tolerance in ms: a date this far outside the range scores half. */
  slack: number;
  /** The words that gave it. */
  text: string;
}

/** What a query says about time. */
export interface TimeHints {
  ranges: TimeRange[];
  /** The query asks for the latest state ("currently", "most recent", "now"). */
  recency: boolean;
  /** The query with relative time phrases removed (they are not evidence words). */
  rest: string;
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  couple: 2,
  "a couple of": 2,
  few: 3,
  "a few": 3,
  several: 4,
};
const UNIT_DAYS: Record<string, number> = { day: 1, week: 7, month: 30.44, year: 365.25 };

const MONTH_RE = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`;
const NUM_RE = `(\\d{1,3}|a couple of|a few|couple|few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)`;
const UNIT_RE = `(day|week|month|year)s?`;

const startOfDay = (t: number) => Math.floor(t / DAY) * DAY;
const monthIndex = (name: string) => MONTHS.findIndex((m) => m.startsWith(name.slice(0, 3)));
const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : (NUMBER_WORDS[s] ?? 1));

/** A whole calendar month (UTC). */
function monthRange(year: number, month: number): [number, number] {
  return [Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1) - 1];
}

/** The latest `month` (0–11) that has begun by `now`. */
function pastMonth(month: number, now: number, year?: number): [number, number] {
  const d = new Date(now);
  let y = year ?? d.getUTCFullYear();
  if (year === undefined && month > d.getUTCMonth()) y -= 1;
  return monthRange(y, month);
}

interface Rule {
  re: RegExp;
  /** Returns the range, or undefined to ignore the match. */
  make(m: RegExpExecArray, now: number): Omit<TimeRange, "text"> | undefined;
  /** Keep the words in the query (they may also be evidence, like a month name). */
  keep?: boolean;
}

const RULES: Rule[] = [
  // Phrases that mention a day but mean "any time so far": consumed, no range.
  { re: /\b(?:before|until|up to|prior to) (?:today|now)\b|\bso far\b/g, make: () => undefined },
  {
    re: /\b(?:in |over |during |within )?(?:the )?(?:last|past|previous) (\d{1,3}|a couple of|a few|couple|few|several|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) (day|week|month|year)s?\b/g,
    make: (m, now) => {
      const span = num(m[1]) * UNIT_DAYS[m[2]] * DAY;
      return { from: startOfDay(now - span), to: now, slack: span / 4 };
    },
  },
  {
    re: new RegExp(`\\b${NUM_RE} ${UNIT_RE} (?:ago|back|earlier|before)\\b`, "g"),
    make: (m, now) => {
      const days = num(m[1]) * UNIT_DAYS[m[2]];
      const at = startOfDay(now - days * DAY);
      const tol = Math.max(1, Math.round(days / 7)) * DAY;
      return { from: at - tol, to: at + DAY - 1 + tol, slack: Math.max(2 * DAY, days * DAY * 0.25) };
    },
  },
  {
    re: /\b(?:the )?day before yesterday\b/g,
    make: (_m, now) => day(startOfDay(now) - 2 * DAY),
  },
  { re: /\byesterday\b/g, make: (_m, now) => day(startOfDay(now) - DAY) },
  { re: /\b(?:today|tonight|this morning|this evening)\b/g, make: (_m, now) => day(startOfDay(now)) },
  {
    re: /\b(?:in |over |during |within )?the past (week|month|year)\b/g,
    make: (m, now) => {
      const span = UNIT_DAYS[m[1]] * DAY;
      return { from: startOfDay(now - span), to: now, slack: span / 4 };
    },
  },
  {
    re: /\b(?:last|past|previous) (week|month|year)\b/g,
    make: (m, now) => {
      const d = new Date(now);
      if (m[1] === "week") {
        const monday = startOfDay(now) - ((d.getUTCDay() + 6) % 7) * DAY;
        return { from: monday - 7 * DAY, to: monday - 1, slack: 3 * DAY };
      }
      if (m[1] === "month") {
        const [from, to] = monthRange(d.getUTCFullYear(), d.getUTCMonth() - 1);
        return { from, to, slack: 7 * DAY };
      }
      const y = d.getUTCFullYear() - 1;
      return { from: Date.UTC(y, 0, 1), to: Date.UTC(y + 1, 0, 1) - 1, slack: 30 * DAY };
    },
  },
  {
    re: /\bthis (week|month|year)\b/g,
    make: (m, now) => {
      const d = new Date(now);
      const from =
        m[1] === "week"
          ? startOfDay(now) - ((d.getUTCDay() + 6) % 7) * DAY
          : m[1] === "month"
            ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
            : Date.UTC(d.getUTCFullYear(), 0, 1);
      return { from, to: now, slack: 2 * DAY };
    },
  },
  {
    re: /\bsince (?:the (?:start|beginning) of )?(?:the |this )year\b/g,
    make: (_m, now) => ({ from: Date.UTC(new Date(now).getUTCFullYear(), 0, 1), to: now, slack: 7 * DAY }),
  },
  {
    re: /\b(?:last|on|this past) (sunday|monday|tuesday|wednesday|thursday|friday|saturday)\b/g,
    make: (m, now) => {
      const today = new Date(now).getUTCDay();
      let back = (today - WEEKDAYS.indexOf(m[1]) + 7) % 7;
      if (back === 0) back = 7;
      return { ...day(startOfDay(now) - back * DAY), slack: 2 * DAY };
    },
  },
  {
    re: /\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b/g,
    keep: true,
    make: (m) => {
      const t = Date.UTC(+m[1], +m[2] - 1, +m[3]);
      return Number.isNaN(t) ? undefined : day(t);
    },
  },
  {
    re: new RegExp(`\\b${MONTH_RE} (\\d{1,2})(?:st|nd|rd|th)?(?:,? (\\d{4}))?\\b`, "g"),
    keep: true,
    make: (m, now) => {
      const [from] = pastMonth(monthIndex(m[1]), now, m[3] ? +m[3] : undefined);
      return day(from + (+m[2] - 1) * DAY);
    },
  },
  {
    re: new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)? (?:of )?${MONTH_RE}(?:,? (\\d{4}))?\\b`, "g"),
    keep: true,
    make: (m, now) => {
      const [from] = pastMonth(monthIndex(m[2]), now, m[3] ? +m[3] : undefined);
      return day(from + (+m[1] - 1) * DAY);
    },
  },
  {
    // A bare month needs a preposition or a year, so "may" the verb and "march" the verb stay words.
    re: new RegExp(
      `\\b(?:in|during|since|from|of|early|late|mid|until|by|before|after) (?:early |late |mid-?)?${MONTH_RE}(?: (\\d{4}))?\\b|\\b${MONTH_RE} (\\d{4})\\b`,
      "g",
    ),
    keep: true,
    make: (m, now) => {
      const name = m[1] ?? m[3];
      const year = m[2] ?? m[4];
      const [from, to] = pastMonth(monthIndex(name), now, year ? +year : undefined);
      if (/^since |^from /.test(m[0])) return { from, to: now, slack: 7 * DAY };
      return { from, to, slack: 7 * DAY };
    },
  },
];

const RECENCY =
  /\b(?:currently|current|lately|recently|most recent(?:ly)?|latest|newest|now|nowadays|these days|still|anymore|any more)\b/;

function day(t: number): Omit<TimeRange, "text"> {
  return { from: t, to: t + DAY - 1, slack: DAY };
}

/** Finds the time ranges and recency intent of a query, relative to `now` (epoch ms). */
export function timeHints(query: string, now: number): TimeHints {
  let text = query.toLowerCase().replace(/[’‘]/g, "'").replace(/\s+/g, " ");
  const ranges: TimeRange[] = [];
  const taken: [number, number][] = [];
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    for (const m of text.matchAll(rule.re)) {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      if (taken.some(([a, b]) => start < b && end > a)) continue;
      const r = rule.make(m as unknown as RegExpExecArray, now);
      taken.push([start, end]);
      if (!r || !(r.from <= r.to)) continue;
      ranges.push({ ...r, text: m[0] });
    }
  }
  const recency = RECENCY.test(text);
  // Remove relative phrases (they are not evidence words); keep dates and months.
  for (const r of ranges) {
    const rule = RULES.find((x) => new RegExp(x.re.source).test(r.text));
    if (rule && !rule.keep) text = text.replace(r.text, " ");
  }
  return { ranges, recency, rest: text };
}

/** How well a date fits the ranges: 1 inside one, falling to 0.5 at `slack` outside, toward 0 beyond. */
export function rangeFit(ts: number, ranges: readonly TimeRange[]): number {
  let best = 0;
  for (const r of ranges) {
    const d = ts < r.from ? r.from - ts : ts > r.to ? ts - r.to : 0;
    const fit = d === 0 ? 1 : 1 / (1 + (d / r.slack) ** 2);
    if (fit > best) best = fit;
  }
  return best;
}
