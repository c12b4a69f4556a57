// A small, forgiving reader of POSIX shell command lines, enough for the policy to see which
// programs a command runs and which files it writes. It is not a shell: expansions are kept as
// written, and anything it cannot follow (a script file, `source`) is simply not seen. Callers must
// therefore treat its output as a lower bound on what a command does; the sandbox is the boundary.

/** One simple command: its words (quotes removed) and its redirections. */
export interface SimpleCommand {
  words: string[];
  redirects: { op: string; target: string }[];
  /** Bodies of here-documents fed to this command. */
  heredocs: string[];
  /** Its standard input is a pipe from the command before (`a | b`). */
  piped?: boolean;
}

/** A parsed command line. */
export interface ParsedShell {
  commands: SimpleCommand[];
  /** Command text inside $(…), `…`, <(…) and >(…), to be parsed in turn. */
  nested: string[];
}

const REDIRECT_OPS = [">>", ">|", ">&", ">", "<<<", "<<-", "<<", "<>", "<&", "<"];

/** Splits `src` into simple commands; never throws (unbalanced quotes run to the end). */
export function parseShell(src: string): ParsedShell {
  const commands: SimpleCommand[] = [];
  const nested: string[] = [];
  let cur: SimpleCommand = { words: [], redirects: [], heredocs: [] };
  let word: string | null = null;
  let pendingOp: string | null = null;
  const pendingHeredocs: { delim: string; strip: boolean; cmd: SimpleCommand }[] = [];

  const pushWord = () => {
    if (word === null) return;
    if (pendingOp !== null) {
      cur.redirects.push({ op: pendingOp, target: word });
      if (pendingOp === "<<" || pendingOp === "<<-")
        pendingHeredocs.push({ delim: word, strip: pendingOp === "<<-", cmd: cur });
      pendingOp = null;
    } else cur.words.push(word);
    word = null;
  };
  const endCommand = () => {
    pushWord();
    pendingOp = null;
    if (cur.words.length > 0 || cur.redirects.length > 0) commands.push(cur);
    cur = { words: [], redirects: [], heredocs: [] };
  };
  const append = (s: string) => {
    word = (word ?? "") + s;
  };

  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\r") {
      pushWord();
      i++;
    } else if (c === "\n") {
      endCommand();
      i++;
      // Here-document bodies start on the next line and are data, not commands.
      while (pendingHeredocs.length > 0) {
        const h = pendingHeredocs.shift()!;
        const body: string[] = [];
        while (i < src.length) {
          const eol = src.indexOf("\n", i);
          const line = src.slice(i, eol === -1 ? src.length : eol);
          i = eol === -1 ? src.length : eol + 1;
          if ((h.strip ? line.replace(/^\t+/, "") : line) === h.delim) break;
          body.push(line);
        }
        h.cmd.heredocs.push(body.join("\n"));
      }
    } else if (c === "#" && word === null) {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "\\") {
      if (src[i + 1] !== "\n") append(src[i + 1] ?? "");
      i += 2;
    } else if (c === "'") {
      const end = src.indexOf("'", i + 1);
      append(src.slice(i + 1, end === -1 ? src.length : end));
      i = end === -1 ? src.length : end + 1;
    } else if (c === '"') {
      i = readDoubleQuoted(src, i + 1, append, nested);
    } else if ((c === "$" && src[i + 1] === "(") || c === "`") {
      i = readSubstitution(src, i, append, nested);
    } else if ((c === "<" || c === ">") && src[i + 1] === "(") {
      const end = matchParen(src, i + 1);
      nested.push(src.slice(i + 2, end));
      append(src.slice(i, end + 1));
      i = end + 1;
    } else if (c === "&" && src[i + 1] === ">") {
      pushWord();
      pendingOp = src[i + 2] === ">" ? "&>>" : "&>";
      i += pendingOp.length;
    } else if (c === ">" || c === "<") {
      if (word !== null && /^\d+$/.test(word)) word = null; // an fd number: 2>file
      pushWord();
      const op = REDIRECT_OPS.find((o) => src.startsWith(o, i)) ?? c;
      i += op.length;
      if ((op === ">&" || op === "<&") && /^[\d-]/.test(src[i] ?? "")) {
        while (i < src.length && /[\d-]/.test(src[i])) i++; // fd duplication, not a file
      } else pendingOp = op === ">&" ? "&>" : op;
    } else if (c === "|" || c === "&" || c === ";" || c === "(" || c === ")") {
      endCommand();
      if (c === "|" && src[i + 1] !== "|" && src[i - 1] !== "|") cur.piped = true;
      i++;
    } else {
      append(c);
      i++;
    }
  }
  endCommand();
  return {
    commands: commands.map(stripKeywords).filter((cmd) => cmd.words.length > 0 || cmd.redirects.length > 0),
    nested,
  };
}

const KEYWORDS = new Set([
  "if",
  "then",
  "else",
  "elif",
  "do",
  "while",
  "until",
  "!",
  "{",
  "}",
  "time",
  "fi",
  "done",
]);

// `then curl …` runs curl: drop reserved words in command position.
function stripKeywords(cmd: SimpleCommand): SimpleCommand {
  let k = 0;
  while (k < cmd.words.length && KEYWORDS.has(cmd.words[k])) k++;
  return k === 0 ? cmd : { ...cmd, words: cmd.words.slice(k) };
}

// Reads a "…" string from just after its opening quote; returns the index after the closing one.
function readDoubleQuoted(src: string, i: number, append: (s: string) => void, nested: string[]): number {
  while (i < src.length && src[i] !== '"') {
    const c = src[i];
    if (c === "\\" && i + 1 < src.length) {
      append('"\\$`\n'.includes(src[i + 1]) ? src[i + 1] : `\\${src[i + 1]}`);
      i += 2;
    } else if ((c === "$" && src[i + 1] === "(") || c === "`") {
      i = readSubstitution(src, i, append, nested);
    } else {
      append(c);
      i++;
    }
  }
  return i + 1;
}

// Reads a $(…) or `…` command substitution starting at `i`: its text stays in the word, its command
// is queued for analysis (not $((…)), which is arithmetic). Returns the index after it.
function readSubstitution(src: string, i: number, append: (s: string) => void, nested: string[]): number {
  if (src[i] === "`") {
    const end = findBacktick(src, i + 1);
    nested.push(src.slice(i + 1, end));
    append(src.slice(i, end + 1));
    return end + 1;
  }
  const end = matchParen(src, i + 1);
  const inner = src.slice(i + 2, end);
  if (!inner.startsWith("(")) nested.push(inner);
  append(src.slice(i, end + 1));
  return end + 1;
}

// Index of the ")" matching the "(" at `open`, skipping quoted text; src.length if unbalanced.
function matchParen(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === "\\") i++;
    else if (c === "'") {
      const end = src.indexOf("'", i + 1);
      i = end === -1 ? src.length : end;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  return src.length;
}

function findBacktick(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    if (src[i] === "\\") i++;
    else if (src[i] === "`") return i;
  }
  return src.length;
}
