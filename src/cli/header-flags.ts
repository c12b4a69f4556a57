// Repeated `--header "Name: value"` flags (run, env run) as a header map, with the fix on bad input.
import { userError } from "../util/errors.js";

/** Parses `Name: value` strings; `example` shows a valid flag in the error. Empty list: undefined. */
export function parseHeaderFlags(
  list: readonly string[],
  example: string,
): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const headers: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(":");
    if (i <= 0)
      throw userError(
        "header_invalid",
        `--header "${h}" is not "Name: value". Fix: e.g. --header "${example}".`,
      );
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return headers;
}
