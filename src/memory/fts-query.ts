// Builds FTS5 MATCH expressions from terms. User text never reaches FTS5 syntax: every term is
// wrapped in double quotes (with any quote doubled), so operators (AND OR NOT NEAR), prefixes (*),
// columns (:), groups, carets and minus signs are only ever literal strings.

/** One quoted FTS5 string; safe for any input. */
export function quoteTerm(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

/** `"a" OR "b" OR …`, or undefined when there is nothing to match. */
export function orQuery(terms: readonly string[]): string | undefined {
  const parts = terms.filter((t) => t.length > 0).map(quoteTerm);
  return parts.length > 0 ? parts.join(" OR ") : undefined;
}
