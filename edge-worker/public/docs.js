// @ts-check
/** A small OpenAPI 3 renderer: operations, parameters, bodies, responses and schemas, no external hosts. */
import { byId, find } from "./dom.js";

/**
 * A part of the OpenAPI document as parsed JSON: read as it comes, never validated, so any field may
 * be missing.
 * @typedef {Record<string, any>} OpenApiNode
 */

/** @param {string} id */
const $ = (id) => byId(id, HTMLElement);
const METHODS = ["get", "post", "put", "patch", "delete"];

/**
 * Element helper: el("p", { className: "x" }, "text", child).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Partial<HTMLElementTagNameMap[K]>} [props]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

/** @param {string} ref */
function refName(ref) {
  return ref.slice(ref.lastIndexOf("/") + 1);
}

/** @param {string} text */
function slug(text) {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * One line saying what a schema is: "string", "array of Segment", "\"json\" | \"text\"" …
 * @param {OpenApiNode | undefined} schema
 * @returns {string | Node}
 */
function typeLabel(schema) {
  if (!schema) return "any";
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return el("a", { href: `#schema-${slug(name)}` }, name);
  }
  if (schema.enum) return schema.enum.map((/** @type {unknown} */ v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  for (const key of ["oneOf", "anyOf"]) {
    if (schema[key]) return joinNodes(schema[key].map(typeLabel), " | ");
  }
  if (schema.allOf) return joinNodes(schema.allOf.map(typeLabel), " & ");
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
  if (type === "array") return joinNodes(["array of ", typeLabel(schema.items)], "");
  if (schema.nullable) return `${type ?? "any"} | null`;
  return schema.format ? `${type} (${schema.format})` : (type ?? "object");
}

/**
 * @param {(string | Node)[]} parts
 * @param {string} separator
 */
function joinNodes(parts, separator) {
  const span = el("span");
  parts.forEach((p, i) => {
    span.append(...(i ? [separator] : []), p);
  });
  return span;
}

/**
 * An object schema's properties as a nested list; other schemas as their type line.
 * @param {OpenApiNode | undefined} schema
 * @returns {HTMLElement}
 */
function schemaTree(schema, depth = 0) {
  if (!schema || schema.$ref || depth > 4) return el("p", { className: "type" }, typeLabel(schema));
  const target = schema.type === "array" && schema.items && !schema.items.$ref ? schema.items : schema;
  const properties = target.properties;
  if (!properties) {
    const variants = target.oneOf ?? target.anyOf;
    if (variants) {
      return el(
        "ul",
        { className: "schema" },
        ...variants.map((/** @type {OpenApiNode} */ v) => el("li", {}, "one of: ", schemaTree(v, depth + 1))),
      );
    }
    return el("p", { className: "type" }, typeLabel(schema));
  }
  const required = new Set(target.required ?? []);
  const list = el("ul", { className: "schema" });
  if (target !== schema) list.append(el("li", { className: "type" }, "array of objects:"));
  for (const [name, property] of Object.entries(properties)) {
    const nested = property.properties || (property.type === "array" && property.items?.properties);
    list.append(
      el(
        "li",
        {},
        el("code", {}, name),
        " ",
        el(
          "span",
          { className: "type" },
          typeLabel(property.type === "object" && nested ? { type: "object" } : property),
        ),
        required.has(name) ? el("span", { className: "required" }, " required") : null,
        property.description ? el("span", {}, ` · ${property.description}`) : null,
        nested ? schemaTree(property, depth + 1) : null,
      ),
    );
  }
  return list;
}

/** @param {OpenApiNode[]} parameters */
function parameterTable(parameters) {
  const rows = parameters.map((p) =>
    el(
      "tr",
      {},
      el(
        "td",
        {},
        el("code", {}, p.name),
        p.required ? el("span", { className: "required" }, " required") : null,
      ),
      el("td", {}, p.in),
      el("td", { className: "type" }, typeLabel(p.schema)),
      el(
        "td",
        {},
        p.description ?? p.schema?.description ?? "",
        p.example !== undefined || p.schema?.example !== undefined
          ? el("div", { className: "type" }, `Example: ${p.example ?? p.schema.example}`)
          : null,
      ),
    ),
  );
  return el(
    "div",
    { className: "table-wrap" },
    el(
      "table",
      {},
      el(
        "thead",
        {},
        el("tr", {}, ...["Name", "In", "Type", "Description"].map((h) => el("th", { scope: "col" }, h))),
      ),
      el("tbody", {}, ...rows),
    ),
  );
}

/** @param {OpenApiNode | undefined} content */
function contentBlock(content) {
  return el(
    "div",
    {},
    ...Object.entries(content ?? {}).map(([mediaType, media]) =>
      el(
        "div",
        {},
        el("p", { className: "type" }, mediaType),
        media.schema ? schemaTree(media.schema) : null,
      ),
    ),
  );
}

/**
 * The node a `$ref` points at within the document, or `item` itself.
 * @param {OpenApiNode} doc
 * @param {OpenApiNode} item
 * @returns {OpenApiNode}
 */
function resolve(doc, item) {
  if (!item?.$ref) return item;
  return item.$ref
    .replace(/^#\//, "")
    .split("/")
    .reduce((/** @type {OpenApiNode | undefined} */ node, /** @type {string} */ key) => node?.[key], doc);
}

/**
 * @param {OpenApiNode} doc
 * @param {string} path
 * @param {string} method
 * @param {OpenApiNode} operation
 * @param {OpenApiNode[]} pathParameters
 */
function operationSection(doc, path, method, operation, pathParameters) {
  const id = `op-${method}-${slug(path)}`;
  const parameters = [...pathParameters, ...(operation.parameters ?? [])].map((p) => resolve(doc, p));
  const section = el(
    "section",
    { className: "card operation", id },
    el(
      "h3",
      {},
      el("span", { className: "method" }, method.toUpperCase()),
      el("span", { className: "path" }, path),
    ),
    operation.summary ? el("p", {}, el("strong", {}, operation.summary)) : null,
    operation.description ? el("p", {}, operation.description) : null,
  );
  section.setAttribute("aria-label", `${method.toUpperCase()} ${path}`);
  if (parameters.length) section.append(el("h4", {}, "Parameters"), parameterTable(parameters));
  const body = resolve(doc, operation.requestBody);
  if (body) section.append(el("h4", {}, "Request body"), contentBlock(body.content));
  const responses = Object.entries(operation.responses ?? {});
  if (responses.length) {
    section.append(el("h4", {}, "Responses"));
    for (const [status, raw] of responses) {
      const response = resolve(doc, raw);
      section.append(
        el(
          "details",
          {},
          el("summary", {}, el("strong", {}, status), ` ${response.description ?? ""}`),
          contentBlock(response.content),
        ),
      );
    }
  }
  return { section, id };
}

/** @param {OpenApiNode} doc */
function render(doc) {
  const info = doc.info ?? {};
  document.title = `${info.title ?? "API"} reference`;
  $("api-title").textContent = `${info.title ?? "API"} reference`;
  // What is missing is left out (replaceChildren would write a null as the text "null").
  const intro = [
    el("p", {}, `Version ${info.version ?? "?"} · OpenAPI ${doc.openapi ?? "?"}`),
    info.description ? el("p", {}, info.description) : null,
    authNote(doc),
  ];
  $("api-intro").replaceChildren(...intro.filter((node) => node !== null));
  const nav = find($("docs-nav"), "ul", HTMLUListElement);
  const operations = $("operations");
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      if (!item[method]) continue;
      const { section, id } = operationSection(doc, path, method, item[method], item.parameters ?? []);
      operations.append(section);
      nav.append(el("li", {}, el("a", { href: `#${id}` }, `${method.toUpperCase()} ${path}`)));
    }
  }
  $("docs-nav").hidden = false;
  const schemas = Object.entries(doc.components?.schemas ?? {});
  $("schemas").hidden = schemas.length === 0;
  find($("schemas"), ".schema-list", HTMLElement).replaceChildren(
    ...schemas.map(([name, schema]) =>
      el(
        "section",
        { className: "card", id: `schema-${slug(name)}` },
        el("h3", {}, name),
        schema.description ? el("p", {}, schema.description) : null,
        schemaTree(schema),
      ),
    ),
  );
}

/** @param {OpenApiNode} doc */
function authNote(doc) {
  const schemes = Object.entries(doc.components?.securitySchemes ?? {});
  if (!schemes.length) return null;
  return el(
    "div",
    { className: "card" },
    el("h2", {}, "Authentication"),
    el(
      "ul",
      {},
      ...schemes.map(([name, s]) =>
        el(
          "li",
          {},
          el("strong", {}, name),
          ": ",
          s.type === "http"
            ? `Authorization: ${s.scheme === "bearer" ? "Bearer" : s.scheme} <key>`
            : `${s.name} in ${s.in}`,
          s.description ? ` · ${s.description}` : "",
        ),
      ),
    ),
  );
}

async function main() {
  try {
    const response = await fetch("/openapi.json", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    $("docs-status").textContent = "";
    $("docs-status").hidden = true;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    $("docs-status").textContent = `The OpenAPI document could not be loaded (${reason}).`;
  }
}

main();
