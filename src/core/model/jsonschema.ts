/**
 * The manifest's shape is written once, as a JSON Schema, and used twice: published for editor
 * completion, and interpreted here to validate manifests with messages a person can act on
 * ("input.height must be a positive integer (got -3)"). Only the keywords the manifest schema uses are
 * supported; a oneOf whose branches each fix the same property with `const` (the preprocessing steps'
 * `op`) is treated as a tagged union, so an unknown step names the known ones instead of listing every
 * branch's complaint.
 */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  description?: string;
  enum?: readonly (string | number | boolean)[];
  const?: string | number | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  oneOf?: readonly JsonSchema[];
  default?: unknown;
  /** Non-standard: how to phrase what is expected when a oneOf fails (editors ignore it). */
  'x-expected'?: string;
  $schema?: string;
  $id?: string;
  title?: string;
}

export function validateAgainst(schema: JsonSchema, value: unknown, path: string, problems: string[]): void {
  if (schema.oneOf) return validateOneOf(schema, value, path, problems);
  if (schema.const !== undefined) {
    if (value !== schema.const) problems.push(`${path} must be ${show(schema.const)}${got(value)}`);
    return;
  }
  if (schema.enum) {
    if (!schema.enum.includes(value as string))
      problems.push(`${path} must be ${orList(schema.enum.map(show))}${got(value)}`);
    return;
  }
  switch (schema.type) {
    case 'object':
      return validateObject(schema, value, path, problems);
    case 'array':
      return validateArray(schema, value, path, problems);
    case 'string':
      if (
        typeof value !== 'string' ||
        value.length < (schema.minLength ?? 0) ||
        (schema.maxLength !== undefined && value.length > schema.maxLength)
      ) {
        problems.push(`${path} must be ${describe(schema)}${got(value)}`);
      } else if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
        problems.push(`${path} must be ${describe(schema)}${got(value)}`);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path} must be true or false${got(value)}`);
      return;
    case 'number':
    case 'integer': {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (schema.type === 'number' || Number.isInteger(value)) &&
        (schema.minimum === undefined || value >= schema.minimum) &&
        (schema.maximum === undefined || value <= schema.maximum) &&
        (schema.exclusiveMinimum === undefined || value > schema.exclusiveMinimum);
      if (!ok) problems.push(`${path} must be ${describe(schema)}${got(value)}`);
      return;
    }
    default:
      return;
  }
}

function validateObject(schema: JsonSchema, value: unknown, path: string, problems: string[]): void {
  if (!isPlainObject(value)) {
    problems.push(`${path} must be an object${got(value)}`);
    return;
  }
  const props = schema.properties ?? {};
  for (const key of schema.required ?? []) {
    if (value[key] === undefined) problems.push(`${join(path, key)} is required`);
  }
  for (const [key, v] of Object.entries(value)) {
    const sub = props[key];
    if (sub) {
      if (v !== undefined) validateAgainst(sub, v, join(path, key), problems);
    } else if (schema.additionalProperties === false) {
      problems.push(`${join(path, key)} is not a known field${suggest(key, Object.keys(props))}`);
    } else if (typeof schema.additionalProperties === 'object') {
      validateAgainst(schema.additionalProperties, v, join(path, key), problems);
    }
  }
}

function validateArray(schema: JsonSchema, value: unknown, path: string, problems: string[]): void {
  if (!Array.isArray(value)) {
    problems.push(`${path} must be an array${got(value)}`);
    return;
  }
  if (schema.minItems !== undefined && value.length < schema.minItems)
    problems.push(`${path} must have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
  if (schema.maxItems !== undefined && value.length > schema.maxItems)
    problems.push(`${path} must have at most ${schema.maxItems} items`);
  if (schema.items) value.forEach((v, i) => validateAgainst(schema.items!, v, `${path}[${i}]`, problems));
}

function validateOneOf(schema: JsonSchema, value: unknown, path: string, problems: string[]): void {
  const branches = schema.oneOf!;
  const tag = taggedUnionKey(branches);
  if (tag) {
    if (!isPlainObject(value)) {
      problems.push(`${path} must be an object with a "${tag}" field${got(value)}`);
      return;
    }
    const known = branches.map((b) => b.properties![tag].const as string);
    const branch = branches.find((b) => b.properties![tag].const === value[tag]);
    if (value[tag] === undefined) problems.push(`${join(path, tag)} is required; known: ${known.join(', ')}`);
    else if (!branch) problems.push(`${join(path, tag)} ${show(value[tag])} is not known; known: ${known.join(', ')}`);
    else validateAgainst(branch, value, path, problems);
    return;
  }
  const passing = branches.filter((b) => {
    const p: string[] = [];
    validateAgainst(b, value, path, p);
    return p.length === 0;
  });
  if (passing.length !== 1)
    problems.push(`${path} must be ${schema['x-expected'] ?? orList(branches.map(describe))}${got(value)}`);
}

/** The property every branch pins with `const`, if any: that makes the oneOf a tagged union. */
function taggedUnionKey(branches: readonly JsonSchema[]): string | undefined {
  const first = branches[0]?.properties;
  if (!first) return undefined;
  return Object.keys(first).find((k) => branches.every((b) => b.properties?.[k]?.const !== undefined));
}

/** What a schema accepts, phrased for a message: "a positive integer", "a number from 0 to 100"... */
export function describe(s: JsonSchema): string {
  if (s['x-expected']) return s['x-expected'];
  if (s.const !== undefined) return show(s.const);
  if (s.enum) return orList(s.enum.map(show));
  switch (s.type) {
    case 'integer':
    case 'number': {
      const noun = s.type === 'integer' ? 'integer' : 'number';
      const lo = s.minimum;
      const hi = s.maximum;
      if (s.exclusiveMinimum === 0 && hi === undefined) return `a positive ${noun}`;
      if (lo === 1 && s.type === 'integer' && hi === undefined) return 'a positive integer';
      if (lo === 0 && hi === undefined) return `a non-negative ${noun}`;
      if (lo !== undefined && hi !== undefined) return `${article(noun)} ${noun} from ${lo} to ${hi}`;
      if (lo !== undefined) return `${article(noun)} ${noun} >= ${lo}`;
      if (s.exclusiveMinimum !== undefined) return `${article(noun)} ${noun} > ${s.exclusiveMinimum}`;
      if (hi !== undefined) return `${article(noun)} ${noun} <= ${hi}`;
      return s.type === 'integer' ? 'an integer' : 'a finite number';
    }
    case 'string':
      if (s.pattern) return `a string matching ${s.pattern}`;
      return s.minLength ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    default:
      return 'valid';
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? 'an' : 'a';
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

function orList(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function got(v: unknown): string {
  if (v === undefined) return '';
  let text: string;
  if (typeof v === 'number' && !Number.isFinite(v)) text = String(v);
  else {
    try {
      text = JSON.stringify(v) ?? String(v);
    } catch {
      text = String(v);
    }
  }
  if (text.length > 40) text = `${text.slice(0, 37)}...`;
  return ` (got ${text})`;
}

function suggest(key: string, known: string[]): string {
  const close = known.filter(
    (k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= Math.max(1, Math.floor(k.length / 4)),
  );
  if (close.length > 0) return `; did you mean '${close[0]}'?`;
  return known.length > 0 ? `; known fields: ${known.join(', ')}` : '';
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
