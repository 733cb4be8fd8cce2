// The limits every request value states in the spec, so that neither a
// client nor the server has to guess how much it may send (OWASP API4,
// unrestricted resource consumption). Walks one request schema (a body, a
// query parameter or a header, with its `$ref`s resolved by Spectral) and
// reports each value of the kind asked for without its bounds:
//   string   maxLength, unless it is an enum or const, has format uuid,
//            date or date-time, or a pattern that bounds its length
//   array    maxItems
//   number   minimum (or exclusiveMinimum) and maximum (or exclusiveMaximum),
//            for integers and numbers
// A property marked readOnly is not sent and is not looked at.

const EXEMPT_FORMATS = new Set(["uuid", "date", "date-time"]);

// Whether a regular expression bounds the length of what it matches: it is
// anchored at both ends, has no alternation that escapes the anchors, and
// no unbounded repetition (`*`, `+`, `{n,}`) outside a character class.
function boundingPattern(pattern) {
  if (typeof pattern !== "string") return false;
  const s = pattern
    .replace(/\\./g, "x")
    .replace(/\[\^?\]?[^\]]*\]/g, "x");
  if (!s.startsWith("^") || !s.endsWith("$")) return false;
  if (/[*+]|\{\d*,\}/.test(s)) return false;
  let depth = 0;
  for (const c of s) {
    if (c === "(") depth += 1;
    else if (c === ")") depth -= 1;
    else if (c === "|" && depth === 0) return false;
  }
  return true;
}

function types(schema) {
  if (Array.isArray(schema.type)) return schema.type;
  if (typeof schema.type === "string") return [schema.type];
  return [];
}

function has(schema, key) {
  return Object.prototype.hasOwnProperty.call(schema, key);
}

function problems(schema, kind) {
  const t = types(schema);
  const found = [];
  if (kind === "string" && t.includes("string")) {
    const exempt =
      has(schema, "maxLength") ||
      has(schema, "enum") ||
      has(schema, "const") ||
      EXEMPT_FORMATS.has(schema.format) ||
      boundingPattern(schema.pattern);
    if (!exempt) found.push("a string without maxLength (nor enum, uuid/date/date-time format or a bounding pattern)");
  }
  if (kind === "array" && t.includes("array") && !has(schema, "maxItems")) {
    found.push("an array without maxItems");
  }
  if (kind === "number" && (t.includes("integer") || t.includes("number"))) {
    if (!has(schema, "minimum") && !has(schema, "exclusiveMinimum")) found.push("a number without minimum");
    if (!has(schema, "maximum") && !has(schema, "exclusiveMaximum")) found.push("a number without maximum");
  }
  return found;
}

function walk(schema, path, kind, seen, out) {
  if (schema === null || typeof schema !== "object" || seen.has(schema)) return;
  seen.add(schema);
  for (const message of problems(schema, kind)) out.push({ message, path });
  if (schema.properties && typeof schema.properties === "object") {
    for (const [name, property] of Object.entries(schema.properties)) {
      if (property && property.readOnly === true) continue;
      walk(property, [...path, "properties", name], kind, seen, out);
    }
  }
  if (schema.items && typeof schema.items === "object") {
    walk(schema.items, [...path, "items"], kind, seen, out);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    walk(schema.additionalProperties, [...path, "additionalProperties"], kind, seen, out);
  }
  for (const combiner of ["allOf", "anyOf", "oneOf"]) {
    if (Array.isArray(schema[combiner])) {
      schema[combiner].forEach((s, i) => walk(s, [...path, combiner, i], kind, seen, out));
    }
  }
}

// `query parameter q: ` for a parameter's schema, so that a finding says
// which parameter without counting.
function subject(context) {
  const path = context.path;
  if (path.length < 3 || path[path.length - 1] !== "schema" || path[path.length - 3] !== "parameters") {
    return "";
  }
  let node = context.documentInventory && context.documentInventory.resolved;
  for (const key of path.slice(0, -1)) node = node == null ? undefined : node[key];
  return node && node.name ? `${node.in} parameter ${node.name}: ` : "";
}

export default function requestLimits(schema, options, context) {
  const out = [];
  walk(schema, [...context.path], options.kind, new Set(), out);
  const prefix = subject(context);
  return out.map(({ message, path }) => ({ message: prefix + message, path }));
}

export { boundingPattern };
