// Skills in the open SKILL.md format: a folder with SKILL.md whose YAML front matter has `name`
// and `description`. Only name + description go into the prompt; the body is read on demand
// through the `skill` tool, so an unused skill costs a line, not a document.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Tool, ToolError } from "../loop/tool.js";
import type { Origin } from "../models/types.js";

export interface Skill {
  name: string;
  description: string;
  /** Absolute path of SKILL.md. */
  file: string;
}

export interface SkillScan {
  skills: Skill[];
  /** One line per skipped skill, saying why; a bad skill never stops a run. */
  warnings: string[];
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_DESCRIPTION = 1024;

/** Finds skills in each root (`<root>/<skill>/SKILL.md`); earlier roots win on name clashes. */
export async function discoverSkills(roots: string[]): Promise<SkillScan> {
  const found: Skill[] = [];
  const warnings: string[] = [];
  const candidates = roots.flatMap((root) =>
    existsSync(root)
      ? readdirSync(root, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => path.join(root, d.name, "SKILL.md"))
          .filter((f) => existsSync(f))
      : [],
  );
  if (candidates.length === 0) return { skills: [], warnings };
  const { parse } = await import("yaml"); // loaded only when a skill exists
  for (const file of candidates) {
    const text = readFileSync(file, "utf8");
    const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
    if (!m) {
      warnings.push(
        `${file}: skipped, no YAML front matter (start the file with --- name: … description: … ---)`,
      );
      continue;
    }
    let meta: unknown;
    try {
      meta = parse(m[1]);
    } catch (err) {
      warnings.push(
        `${file}: skipped, front matter is not valid YAML (${(err as Error).message.split("\n")[0]})`,
      );
      continue;
    }
    const { name, description } = (meta ?? {}) as { name?: unknown; description?: unknown };
    if (typeof name !== "string" || !NAME.test(name)) {
      warnings.push(
        `${file}: skipped, "name" must be lowercase letters, digits and hyphens (got ${JSON.stringify(name)})`,
      );
      continue;
    }
    if (typeof description !== "string" || description.trim() === "") {
      warnings.push(`${file}: skipped, "description" is missing`);
      continue;
    }
    if (found.some((s) => s.name === name)) continue;
    found.push({
      name,
      description: description.trim().replace(/\s+/g, " ").slice(0, MAX_DESCRIPTION),
      file,
    });
  }
  found.sort((a, b) => a.name.localeCompare(b.name));
  return { skills: found, warnings };
}

/** The `skill` tool: returns a skill's full instructions (front matter stripped), labelled by `originOf`. */
export function createSkillTool(
  skills: Skill[],
  originOf: (skill: Skill) => Origin = () => "tool",
): Tool<{ name: string }> {
  return {
    name: "skill",
    description: "Load a skill's full instructions by name.",
    parameters: {
      type: "object",
      properties: { name: { type: "string" } },
      required: ["name"],
      additionalProperties: false,
    },
    async execute({ name }) {
      const skill = skills.find((s) => s.name === name);
      if (!skill)
        throw new ToolError(`no skill named "${name}". Skills: ${skills.map((s) => s.name).join(", ")}.`);
      const body = readFileSync(skill.file, "utf8").replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n?/, "");
      return { content: `Skill folder: ${path.dirname(skill.file)}\n\n${body}`, origin: originOf(skill) };
    },
  };
}
