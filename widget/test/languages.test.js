import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { LANGUAGE_GROUPS, languageGroup, languageLabel, languageName, speaksLanguage } from "../src/shared/languages.js";

/**
 * The `groups:` of contract/languages.yml, read as text: every line `- [a, b, "c"]` after
 * `groups:` (the file's format; the repo has no YAML parser for JavaScript). A line that looks
 * like a group but is not one we can read fails the test rather than being skipped.
 */
function contractGroups() {
  const text = readFileSync(new URL("../../contract/languages.yml", import.meta.url), "utf8");
  const lines = text.split("\n");
  const start = lines.findIndex((line) => /^groups:\s*$/.test(line));
  assert.ok(start >= 0, "contract/languages.yml has no `groups:` key");
  const groups = [];
  for (const line of lines.slice(start + 1)) {
    if (/^[^\s#]/.test(line)) break; // the next top-level key (`names:`, …)
    if (!line.trim().startsWith("-")) continue; // comments, blank lines
    const match = /^\s*-\s*\[([^\]]*)\]\s*(#.*)?$/.exec(line);
    assert.ok(match, `contract/languages.yml: cannot read the group line ${JSON.stringify(line)}`);
    groups.push(match[1].split(",").map((code) => code.trim().replace(/^["']|["']$/g, "")));
  }
  assert.ok(groups.length > 0, "contract/languages.yml lists no groups");
  return groups;
}

test("the language groups are contract/languages.yml's, all of them and no other", () => {
  const contract = contractGroups();
  const ours = LANGUAGE_GROUPS.map((group) => [...group]);
  for (const group of contract) {
    assert.ok(
      ours.some((g) => g.length === group.length && group.every((code) => g.includes(code))),
      `the group [${group}] of contract/languages.yml is missing from widget/src/shared/languages.js`,
    );
  }
  assert.equal(ours.length, contract.length, "widget/src/shared/languages.js has a group contract/languages.yml does not");
});

test("a language by its English name and code; the code alone when it has no name", () => {
  assert.equal(languageLabel("hr"), "Croatian (hr)");
  assert.equal(languageLabel("RU"), "Russian (ru)");
  assert.equal(languageLabel("xx"), "xx");
  assert.equal(languageLabel("not a tag!"), "not a tag!");
  assert.equal(languageLabel(""), "—");
  assert.equal(languageLabel(undefined), "—");
  assert.equal(languageName("ta"), "Tamil");
  assert.equal(languageLabel("tl"), "Tagalog (tl)"); // not CLDR's "Filipino"
  assert.equal(languageName("qq"), null);
  assert.equal(languageName("constructor"), null);
});

test("related languages count as one: an agent with bs serves hr, with nb serves da", () => {
  assert.deepEqual(languageGroup("sr"), ["hr", "bs", "sr"]);
  assert.deepEqual(languageGroup("fr"), ["fr"]);
  assert.equal(speaksLanguage(["en", "bs"], "hr"), true);
  assert.equal(speaksLanguage(["no"], "da"), true);
  assert.equal(speaksLanguage(["ID"], "ms"), true);
  assert.equal(speaksLanguage(["en", "de"], "hr"), false);
  assert.equal(speaksLanguage(["cs"], "sk"), true);
  assert.equal(speaksLanguage(["en"], ""), false);
  assert.equal(speaksLanguage([], "en"), false);
});
