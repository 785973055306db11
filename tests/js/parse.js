// CUST-5: reads one or more vCards on stdin and prints what a real vCard parser from npm
// makes of them, as JSON: [{"properties": [{"name", "params", "values"}]}]. The parser is
// the first argument: "ical.js" (vCard 3.0 and 4.0) or "vcard4" (4.0 only). Both are shown
// in the same shape: names and parameter names in lower case, TYPE as a list, values as the
// parser decoded them (text unescaped; N, ADR and ORG as arrays of components where the
// parser splits them). A text value that the parser split into pieces stays an array, so
// the test sees it. Exits 1 when the input does not parse. Used by tests/api/vcard_test.c;
// installed by scripts/js-tests.sh (npm ci in tests/js).
import ICAL from "ical.js";
import { parse as vcard4Parse } from "vcard4";
import { readFileSync } from "node:fs";

function fail(message) {
  process.stderr.write(`parse.js: ${message}\n`);
  process.exit(1);
}

function viaIcal(text) {
  // One card parses to a jCard ["vcard", props, comps]; several to an array of them.
  const parsed = ICAL.parse(text);
  const cards = typeof parsed[0] === "string" ? [parsed] : parsed;
  return cards.map((card) => {
    if (card[0] !== "vcard") fail(`not a vCard: ${card[0]}`);
    const comp = new ICAL.Component(card);
    return {
      properties: comp.getAllProperties().map((p) => ({
        name: p.name,
        params: p.toJSON()[1],
        values: p
          .getValues()
          .map((v) => (typeof v === "object" && v !== null && !Array.isArray(v) ? v.toString() : v)),
      })),
    };
  });
}

// vcard4 names the components of N and ADR; these are their RFC 6350 orders.
const COMPONENTS = {
  N: ["familyNames", "givenNames", "additionalNames", "honorificPrefixes", "honorificSuffixes"],
  ADR: ["postOfficeBox", "extendedAddress", "streetAddress", "locality", "region", "postalCode",
    "countryName"],
};

function viaVcard4(text) {
  const parsed = vcard4Parse(text);
  const cards = Array.isArray(parsed) ? parsed : [parsed];
  return cards.map((card) => ({
    // vcard4 drops BEGIN, VERSION and END; it accepts nothing but VERSION:4.0.
    properties: [{ name: "version", params: {}, values: ["4.0"] }].concat(
      card.parsedVcard.map((t) => {
        const params = {};
        for (const [k, v] of Object.entries(t.parameters))
          params[k.toLowerCase()] = k === "TYPE" && typeof v === "string" ? v.split(",") : v;
        const order = COMPONENTS[t.property];
        const value = order ? order.map((k) => t.value[k]) : t.value;
        return { name: t.property.toLowerCase(), params, values: [value] };
      }),
    ),
  }));
}

const PARSERS = { "ical.js": viaIcal, vcard4: viaVcard4 };
const parser = PARSERS[process.argv[2]];
if (!parser) fail(`usage: node parse.js ${Object.keys(PARSERS).join("|")} < cards.vcf`);
let out;
try {
  out = parser(readFileSync(0, "utf8"));
} catch (e) {
  fail(`${process.argv[2]}: ${e.message}`);
}
process.stdout.write(JSON.stringify(out) + "\n");
