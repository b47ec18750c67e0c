// "No English left" (#31), as the outside check reads it: the English messages of the portal
// (locales/en/*.ftl) and of the B2C emulator (src/b2c_emulator/locales/en/*.ftl) whose Spanish
// differs; a page in Spanish must show none of them as a whole phrase.
//
// A message counts when it is a simple one-line `key = value` message with no placeable
// (`{ ... }`: arguments, selects, terms), its Spanish value (same key, same set of files) is not
// the same text, and it has at least two words or is one word of 8 letters or more. Shorter ones
// ("Error", "Name") may be a Spanish word or part of data.
//
// Usage by journeys.mjs; on its own, `node english-left.mjs` lists the phrases it would look for.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

// Texts that may show on a Spanish page although they hold an English message: data the demo
// record or the demo people wrote, which the portal shows as the source gives it (it invents no
// translation: docs/LANGUAGES.md). Each is taken out of a page's text before the search, so the
// same message elsewhere on the page is still found. Keep it small and say where each comes from;
// anything else English on a Spanish page is a finding.
export const ALLOWED = new Map([
  // A procedure of the demo record (src/demo/records.rs); holds "Medication".
  ["Medication reconciliation", "a procedure's name in the demo record"],
  // The subject of the demo conversation, written by the demo patient (src/demo/messages.rs); holds "Question".
  ["Question about my latest blood test", "the demo patient's own message"],
  // A sentence of a demo clinical note (src/demo/notes.rs); holds "your medications".
  ["Take your medications as prescribed", "a clinical note's text in the demo record"],
  // The name of the demo record's CareTeam (src/demo/people.rs: "{clinic} care team"); holds "care team".
  ["Riverside Family Medicine care team", "a care team's name in the demo record"],
  // The demo accounts the landing page lists to try the portal with (src/b2c_emulator/users.rs):
  // an address and a password, typed as they are; both hold "Clinician".
  ["clinician@example.com", "the demo clinician's e-mail address"],
  ["Clinician-Demo-2024", "the demo clinician's password"],
]);

// The messages of a set of .ftl files: key -> { value, file } for the simple one-line ones,
// and the set of every key (to know a key exists in the other language even if not simple).
export function readMessages(dir) {
  const simple = new Map();
  const all = new Set();
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".ftl")).sort()) {
    const lines = readFileSync(join(dir, name), "utf8").split("\n");
    lines.forEach((line, i) => {
      const m = line.match(/^([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*)$/);
      if (!m) return;
      const [, key, raw] = m;
      all.add(key);
      const value = raw.trim();
      // A message whose value or attributes go on below (indented lines) is not a one-liner.
      const next = lines[i + 1] ?? "";
      if (!value || /^[ \t]+\S/.test(next)) return;
      if (value.includes("{") || value.includes("}")) return;
      simple.set(key, { value, file: join(dir, name).slice(root.length + 1) });
    });
  }
  return { simple, all };
}

function wordsOf(text) {
  return text.split(/\s+/).filter((w) => /\p{L}/u.test(w));
}

function counts(value) {
  const words = wordsOf(value);
  if (words.length >= 2) return true;
  return words.length === 1 && (words[0].match(/\p{L}/gu) || []).length >= 8;
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// The English phrases to look for: [{ key, en, es, file, re }].
export function englishPhrases() {
  const sets = [
    [join(root, "locales/en"), join(root, "locales/es")],
    [join(root, "src/b2c_emulator/locales/en"), join(root, "src/b2c_emulator/locales/es")],
  ];
  const phrases = [];
  for (const [enDir, esDir] of sets) {
    const en = readMessages(enDir);
    const es = readMessages(esDir);
    for (const [key, { value, file }] of en.simple) {
      if (!es.all.has(key)) continue; // a missing key is the key check's finding, not a page's
      const spanish = es.simple.get(key)?.value;
      if (spanish === value) continue; // the same in both languages (a name, "English")
      if (!counts(value)) continue;
      // A whole phrase: no letter or digit right before or after it; any run of spaces inside;
      // in any case ("sign in" inside a sentence is "Sign in" still).
      const body = wordsOf(value).length ? value.split(/\s+/).map(escape).join("\\s+") : escape(value);
      phrases.push({ key, en: value, es: spanish, file, re: new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, "ui") });
    }
  }
  return phrases;
}

// The phrases found in any of the texts, each once, with a little of the text around it.
export function englishIn(shown, phrases) {
  const found = [];
  const texts = shown.map((text) => {
    let kept = text || "";
    for (const allowed of ALLOWED.keys()) kept = kept.split(allowed).join(" \u2026 ");
    return kept;
  });
  for (const p of phrases) {
    for (const text of texts) {
      const m = text && p.re.exec(text);
      if (!m) continue;
      // One English text that is several messages (two keys, "Care team") is one finding.
      const same = found.find((f) => f.en.toLowerCase() === p.en.toLowerCase());
      if (same) {
        same.key += `, ${p.key}`;
        break;
      }
      const from = Math.max(0, m.index - 30);
      const around = text.slice(from, m.index + m[0].length + 30).replace(/\s+/g, " ").trim();
      found.push({ ...p, around });
      break;
    }
  }
  // A longer phrase that holds a shorter one found at the same place: report the longer only.
  const low = (t) => t.toLowerCase();
  return found.filter((f) => !found.some((g) => g !== f && g.en.length > f.en.length && low(g.en).includes(low(f.en)) &&
    low(g.around).includes(low(f.en))));
}

// A Spanish message by key (portal or emulator files), for finding a control by its words.
export function spanishMessages() {
  return new Map([
    ...readMessages(join(root, "src/b2c_emulator/locales/es")).simple,
    ...readMessages(join(root, "locales/es")).simple,
  ].map(([k, v]) => [k, v.value]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const phrases = englishPhrases();
  for (const p of phrases) console.log(`${p.file}\t${p.key}\t${p.en}`);
  console.error(`${phrases.length} English phrases`);
}
