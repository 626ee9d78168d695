/**
 * meta.k8s.io/v1 Tables, which kubectl asks for on every `get` that prints columns
 * (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...`). Built-in kinds use the printers
 * of printers.ts; custom resources their CRD's additionalPrinterColumns. Pure: the clock is an input.
 */
import type { PrinterColumn, ResourceDef } from '../resources.js';
import { isPlainJson, parseAccept } from './accept.js';
import { formatAge } from './age.js';
import { evaluateJsonPath } from './jsonpath.js';
import {
  AGE_COLUMN,
  DEFAULT_PRINTER,
  NAME_COLUMN,
  builtinPrinter,
  col,
  nameOf,
  type Cell,
  type Printer,
} from './printers.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  readonly includeObject: IncludeObject;
  readonly now: Date;
  /** The list's (or watch event's) resourceVersion, echoed in the Table's metadata. */
  readonly resourceVersion?: string;
}

/** True when the client's most preferred acceptable representation is a JSON meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  for (const range of parseAccept(accept)) {
    const isTable =
      range.type === 'application/json' &&
      range.params.get('as') === 'Table' &&
      range.params.get('g') === 'meta.k8s.io' &&
      ['v1', 'v1beta1'].includes(range.params.get('v') ?? '');
    if (isTable) return true;
    if (isPlainJson(range)) return false;
  }
  return false;
}

/** `includeObject` query parameter; anything unknown falls back to Kubernetes' default. */
export function parseIncludeObject(value: string | null | undefined): IncludeObject {
  return value === 'None' || value === 'Object' || value === 'Metadata' ? value : 'Metadata';
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/** A printer-column value converted to its declared type, or null (kubectl prints `<none>`). */
function typedCell(column: PrinterColumn, value: unknown, now: Date): Cell {
  switch (column.type) {
    case 'string':
      return render(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? formatAge(value, now) : null;
  }
}

function columnCell(column: PrinterColumn, object: unknown, now: Date): Cell {
  const found = evaluateJsonPath(object, column.jsonPath);
  if (!found.ok || found.value.length === 0) return null;
  const first = found.value[0];
  return first === null || first === undefined ? null : typedCell(column, first, now);
}

/** A CRD without printer columns gets an Age column, as the apiextensions server defaults it. */
const DEFAULT_CR_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: AGE_COLUMN.description },
];

export function customResourcePrinter(printerColumns: readonly PrinterColumn[] | undefined): Printer {
  const declared = printerColumns && printerColumns.length > 0 ? printerColumns : DEFAULT_CR_COLUMNS;
  return {
    columns: [
      NAME_COLUMN,
      ...declared.map((c) =>
        col(
          c.name,
          c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
          {
            type: c.type,
            format: c.format ?? '',
            priority: c.priority ?? 0,
          },
        ),
      ),
    ],
    cells: (o, now) => [nameOf(o), ...declared.map((c) => columnCell(c, o, now))],
  };
}

export function printerFor(def: ResourceDef): Printer {
  if (!def.builtin) return customResourcePrinter(def.printerColumns);
  return builtinPrinter(def.kind) ?? DEFAULT_PRINTER;
}

function rowObject(object: unknown, includeObject: IncludeObject): unknown {
  if (includeObject === 'None') return null;
  if (includeObject === 'Object') return object;
  const metadata =
    typeof object === 'object' && object !== null ? (object as { metadata?: unknown }).metadata : undefined;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: metadata ?? {} };
}

/** A Table of `objects` (a list, or the one object of a watch event). */
export function toTable(def: ResourceDef, objects: readonly unknown[], opts: TableOptions): object {
  const printer = printerFor(def);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.resourceVersion !== undefined ? { resourceVersion: opts.resourceVersion } : {},
    columnDefinitions: printer.columns,
    rows: objects.map((o) => ({
      cells: printer.cells(o, opts.now),
      object: rowObject(o, opts.includeObject),
    })),
  };
}
