// CUST-5: reads one or more vCards on stdin and prints what ical.js (a real vCard parser
// from npm) makes of them, as JSON: [{"properties": [{"name", "params", "type", "values"}]}].
// Values are as the parser decoded them: text unescaped, structured values (N, ADR, ORG)
// as arrays of components. Exits 1 when the input does not parse. Used by
// tests/api/vcard_test.c; install with `npm ci --prefix tests/vcard`.
import ICAL from "ical.js";
import { readFileSync } from "node:fs";

const text = readFileSync(0, "utf8");
let parsed;
try {
  parsed = ICAL.parse(text);
} catch (e) {
  process.stderr.write(`parse.js: ${e.message}\n`);
  process.exit(1);
}
// One card parses to a jCard ["vcard", props, comps]; several to an array of them.
const cards = typeof parsed[0] === "string" ? [parsed] : parsed;
const out = cards.map((card) => {
  if (card[0] !== "vcard") {
    process.stderr.write(`parse.js: not a vCard: ${card[0]}\n`);
    process.exit(1);
  }
  const comp = new ICAL.Component(card);
  return {
    properties: comp.getAllProperties().map((p) => ({
      name: p.name,
      params: p.toJSON()[1],
      type: p.type,
      values: p.getValues().map((v) => (typeof v === "object" && v !== null && !Array.isArray(v) ? v.toString() : v)),
    })),
  };
});
process.stdout.write(JSON.stringify(out) + "\n");
