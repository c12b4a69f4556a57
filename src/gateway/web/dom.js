// DOM helpers. Every string goes in as a text node: model and tool output is hostile, so nothing
// here (or anywhere in the page) assigns markup.

/** el("div", { class: "x", data: { id: 1 }, onclick: fn }, "text", child): strings become text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "data") for (const [dk, dv] of Object.entries(v)) node.dataset[dk] = String(dv);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c);
  return node;
}

/** Element by id. */
export const $ = (id) => document.getElementById(id);

/** A timestamp (ms) as local date and time; "—" when missing. */
export function fmtTime(ms) {
  if (ms === undefined || ms === null || ms === "") return "—";
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toLocaleString();
}

/** A token count with thousands separators. */
export function fmtTokens(n) {
  return typeof n === "number" ? n.toLocaleString() : "—";
}

/** A cost in US dollars. */
export function fmtCost(usd) {
  return typeof usd === "number" ? `$${usd.toFixed(usd >= 1 ? 2 : 4)}` : "—";
}

/** A tool call's arguments for reading: the command alone for exec-like calls, else JSON. */
export function fmtArgs(args) {
  if (args && typeof args === "object" && typeof args.command === "string" && Object.keys(args).length === 1)
    return args.command;
  try {
    return JSON.stringify(args, null, 2);
  } catch {
    return String(args);
  }
}

/** Shows a message in the banner (or hides it for ""). */
export function banner(text) {
  const b = $("banner");
  b.textContent = text;
  b.hidden = !text;
}
