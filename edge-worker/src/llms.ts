/**
 * /llms.txt and /llms-full.txt (llmstxt.org): the OpenAPI document rendered as Markdown for language
 * models. Everything here is read from that document, so neither text can say what the API does not.
 */

/** The parts of an OpenAPI 3.1 document read here (the document is JSON; anything may be missing). */
interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  example?: unknown;
  description?: string;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  example?: unknown;
  schema?: Schema;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}
interface SecurityScheme {
  type?: string;
  in?: string;
  name?: string;
  scheme?: string;
}
interface Doc {
  info: { title: string; description?: string };
  security?: unknown[];
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, SecurityScheme> };
}

const METHODS = new Set(["get", "put", "post", "delete", "patch"]);

interface Endpoint {
  method: string;
  path: string;
  op: Operation;
}

function endpoints(doc: Doc): Endpoint[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ method, path, op })),
  );
}

const title = ({ method, path }: Endpoint) => `${method.toUpperCase()} ${path}`;

/** A link into the OpenAPI document itself: a JSON Pointer (RFC 6901) as the URL fragment. */
function pointer(origin: string, { method, path }: Endpoint): string {
  const escaped = path.replaceAll("~", "~0").replaceAll("/", "~1");
  return `${origin}/openapi.json#${encodeURI(`/paths/${escaped}/${method}`)}`;
}

/** How a key is sent under each security scheme, e.g. `X-API-Key: <key>`. */
function keyHeaders(doc: Doc): string[] {
  return Object.values(doc.components?.securitySchemes ?? {}).flatMap((s) => {
    if (s.type === "apiKey" && s.in === "header") return [`\`${s.name}: <key>\``];
    if (s.type === "http" && s.scheme === "bearer") return ["`Authorization: Bearer <key>`"];
    return [];
  });
}

function head(doc: Doc, origin: string): string[] {
  return [
    `# ${doc.info.title}`,
    "",
    `> ${doc.info.description ?? ""}`,
    "",
    `The API is served at ${origin}. Operations that need an API key take it as ${keyHeaders(doc).join(" or ")}.`,
    "",
  ];
}

/** The document is JSON as the app built it: read here, never validated, so any field may be missing. */
export function llmsIndex(document: object, origin: string): string {
  const doc = document as Doc;
  const lines = [
    ...head(doc, origin),
    "## Docs",
    "",
    `- [OpenAPI document](${origin}/openapi.json): OpenAPI 3.1, the machine-readable reference to generate clients from`,
    `- [API reference](${origin}/docs): the same document, rendered for people`,
    `- [Full reference](${origin}/llms-full.txt): every operation's parameters, responses, errors and a curl call, as text`,
    "",
    "## Operations",
    "",
    ...endpoints(doc).map(
      (e) =>
        `- [${title(e)}](${pointer(origin, e)}): ${e.op.summary ?? ""} (operationId \`${e.op.operationId}\`)`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

export function llmsFull(document: object, origin: string): string {
  const doc = document as Doc;
  const lines = [
    ...head(doc, origin),
    `The machine-readable form of this text is ${origin}/openapi.json; people read it at ${origin}/docs.`,
    "",
  ];
  for (const e of endpoints(doc)) lines.push(...operationText(doc, origin, e));
  const schemas = Object.entries(doc.components?.schemas ?? {});
  if (schemas.length) lines.push("## Schemas", "");
  for (const [name, schema] of schemas) {
    lines.push(`### ${name}`, "", "```json", JSON.stringify(schema), "```", "");
  }
  return `${lines.join("\n")}\n`;
}

function needsKey(doc: Doc, op: Operation): boolean {
  return (op.security ?? doc.security ?? []).length > 0;
}

function operationText(doc: Doc, origin: string, e: Endpoint): string[] {
  const { op } = e;
  const lines = [`## ${title(e)}`, "", `operationId: \`${op.operationId}\`. ${op.summary ?? ""}`, ""];
  if (op.description) lines.push(op.description, "");
  lines.push(needsKey(doc, op) ? "Needs an API key." : "Public: no key needed.", "");
  if (op.parameters?.length) {
    lines.push("Parameters:", "", ...op.parameters.map(parameterLine), "");
  }
  const body = op.requestBody?.content?.["application/json"]?.schema;
  if (body) lines.push(`Request body (application/json): ${typeName(body)}.`, "");
  const statuses = Object.entries(op.responses ?? {});
  lines.push("Responses:", "");
  for (const [status, response] of statuses.filter(([s]) => Number(s) < 400)) {
    const types = Object.entries(response.content ?? {}).map(([media, { schema }]) =>
      schema?.$ref ? `${media} (${typeName(schema)})` : media,
    );
    lines.push(`- ${status}: ${response.description ?? ""}${types.length ? ` [${types.join(", ")}]` : ""}`);
  }
  lines.push("", "Errors (body: ErrorBody; `code` and its message):", "");
  for (const [status, response] of statuses.filter(([s]) => Number(s) >= 400)) {
    lines.push(`- ${status}: ${response.description ?? ""}`);
  }
  lines.push("", "Example:", "", "```sh", curl(doc, origin, e, body), "```", "");
  return lines;
}

function parameterLine(p: Parameter): string {
  const schema = p.schema ?? {};
  const type = schema.enum
    ? schema.enum.map((v) => JSON.stringify(v)).join(" | ")
    : [schema.type ?? []].flat().join(" | ");
  const traits = [p.in, p.required ? "required" : "optional", type];
  if (schema.default !== undefined) traits.push(`default ${JSON.stringify(schema.default)}`);
  const description = p.description ?? schema.description ?? "";
  return `- \`${p.name}\` (${traits.filter(Boolean).join(", ")}): ${description}`;
}

function typeName(schema: Schema): string {
  return schema.$ref ? schema.$ref.slice(schema.$ref.lastIndexOf("/") + 1) : String(schema.type ?? "any");
}

function resolved(doc: Doc, schema: Schema): Schema {
  return schema.$ref ? (doc.components?.schemas?.[typeName(schema)] ?? {}) : schema;
}

const exampleOf = (p: Parameter) => p.example ?? p.schema?.example;
/** Single-quoted for a POSIX shell. */
const quoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** A call with the documented examples: path parameters and required query parameters filled in. */
function curl(doc: Doc, origin: string, e: Endpoint, body: Schema | undefined): string {
  const params = e.op.parameters ?? [];
  let path = e.path;
  const query = new URLSearchParams();
  for (const p of params) {
    const value = String(exampleOf(p) ?? `<${p.name}>`);
    if (p.in === "path") path = path.replace(`{${p.name}}`, encodeURIComponent(value));
    else if (p.in === "query" && p.required) query.set(p.name, value);
  }
  const url = `${origin}${path}${query.size ? `?${query}` : ""}`;
  const parts = ["curl"];
  if (needsKey(doc, e.op)) parts.push(`-H "Authorization: Bearer $YTT_API_KEY"`);
  if (e.method !== "get") parts.push(`-X ${e.method.toUpperCase()}`);
  const example = body && resolved(doc, body).example;
  if (example !== undefined)
    parts.push(`-H "Content-Type: application/json" -d ${quoted(JSON.stringify(example))}`);
  parts.push(quoted(url));
  return parts.join(" ");
}
