// JSON Schema validation for tool arguments and config. Schemas are plain JSON Schema objects
// (what the model is sent, byte for byte). Validation uses @cfworker/json-schema: measured on a
// bundled CLI it adds ~2 ms of start-up, where TypeBox's builder and checker cost 16-100 ms.
import { Validator } from "@cfworker/json-schema";

/** A JSON Schema object as sent to the model. */
export type JsonSchema = Record<string, unknown>;

export interface SchemaProblem {
  /** Dotted path of the offending value ("" for the root). */
  path: string;
  message: string;
}

const cache = new WeakMap<JsonSchema, Validator>();

/** Validates `value`; returns the most specific problems (empty when valid). */
export function validate(schema: JsonSchema, value: unknown): SchemaProblem[] {
  let v = cache.get(schema);
  if (!v) {
    v = new Validator(schema as ConstructorParameters<typeof Validator>[0], "2020-12", false);
    cache.set(schema, v);
  }
  const result = v.validate(value);
  if (result.valid) return [];
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of result.errors) {
    // Container keywords only say "a child failed"; the child's own error follows in the list.
    if (CONTAINERS.has(e.keyword)) continue;
    const path = pointerToPath(e.instanceLocation);
    const message =
      e.keyword === "false"
        ? "unknown key (not allowed here)"
        : e.keyword === "pattern"
          ? `must match the pattern ${String(lookup(schema, e.keywordLocation))}`
          : e.error.replace(/^Instance /, "value ").replace(/\.$/, "");
    const key = `${path}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message });
  }
  return problems.length > 0 ? problems : [{ path: "", message: result.errors[0]?.error ?? "invalid" }];
}

const CONTAINERS = new Set([
  "properties",
  "additionalProperties",
  "items",
  "prefixItems",
  "allOf",
  "anyOf",
  "oneOf",
  "$ref",
  "unevaluatedProperties",
  "patternProperties",
]);

function pointerToPath(pointer: string): string {
  return pointer
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s).replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
}

function lookup(schema: JsonSchema, keywordLocation: string): unknown {
  return keywordLocation
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .reduce<unknown>(
      (o, k) =>
        (o as Record<string, unknown> | undefined)?.[
          decodeURIComponent(k).replace(/~1/g, "/").replace(/~0/g, "~")
        ],
      schema,
    );
}
