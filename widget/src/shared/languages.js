// Languages as the front ends show and compare them: a code's English name for agents
// ("Croatian (hr)"), and the groups of related languages that one person serves together.
//
// The groups are copied from contract/languages.yml, the source of truth that the bot and the
// service read (there is no YAML parser in the bundle, and the list changes rarely); a change
// there goes here too: widget/test/languages.test.js reads the YAML and fails until they agree.
//
//   languageLabel("hr")                 // "Croatian (hr)"
//   speaksLanguage(["en", "bs"], "hr")  // true: hr/bs/sr are one group

/** @type {readonly (readonly string[])[]} contract/languages.yml, `groups:` */
export const LANGUAGE_GROUPS = Object.freeze([
  Object.freeze(["hr", "bs", "sr"]),
  Object.freeze(["ms", "id"]),
  Object.freeze(["cs", "sk"]),
  Object.freeze(["no", "nb", "nn", "da"]),
]);

const NAMES = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" });
// CLDR names "tl" Filipino (it aliases tl to fil); the project, its agents and
// contract/languages.yml call it Tagalog.
/** @type {Record<string, string>} */
const OWN_NAMES = { tl: "Tagalog" };

/**
 * A language code's English name, or null when there is none (unknown or malformed code).
 * @param {unknown} code
 * @returns {string|null}
 */
export function languageName(code) {
  if (typeof code !== "string" || !code) return null;
  const lower = code.toLowerCase();
  if (Object.hasOwn(OWN_NAMES, lower)) return OWN_NAMES[lower];
  try {
    return NAMES.of(code) || null;
  } catch {
    return null; // not a well-formed language tag (RangeError)
  }
}

/**
 * "Croatian (hr)"; the code alone when it has no name; "—" without a code.
 * @param {unknown} code
 */
export function languageLabel(code) {
  if (typeof code !== "string" || !code) return "—";
  const normal = code.toLowerCase();
  const name = languageName(normal);
  return name ? `${name} (${normal})` : normal;
}

/**
 * The codes one person serves together with `code` (its group, or just itself), lower case.
 * @param {string} code
 * @returns {readonly string[]}
 */
export function languageGroup(code) {
  const normal = String(code || "").toLowerCase();
  return LANGUAGE_GROUPS.find((group) => group.includes(normal)) || [normal];
}

/**
 * Does someone who lists `languages` serve a customer writing `code`? Related languages
 * count as one (routing's rule on the service's side).
 * @param {readonly string[]|null|undefined} languages
 * @param {string|null|undefined} code
 */
export function speaksLanguage(languages, code) {
  if (!code || !languages || !languages.length) return false;
  const group = languageGroup(code);
  return languages.some((l) => group.includes(String(l).toLowerCase()));
}
