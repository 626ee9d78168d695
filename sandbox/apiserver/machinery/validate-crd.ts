/** CustomResourceDefinition: enough of apiextensions' validation that a bad CRD cannot be served. */
import { isDNS1123Label, isDNS1123Subdomain } from '../../../k8s/labels.js';
import { listAt, objAt, strAt } from './access.js';
import type { FieldError } from './field-errors.js';
import { duplicate, invalid, notSupported, required } from './field-errors.js';
import { isObject } from './json.js';

type Obj = Record<string, unknown>;

function checkWith(field: string, value: unknown, rule: (s: string) => string[]): FieldError[] {
  if (typeof value !== 'string') return [invalid(field, value, 'must be a string')];
  const errs = rule(value);
  return errs.length > 0 ? [invalid(field, value, errs.join(', '))] : [];
}

function validateNames(names: Obj | undefined): FieldError[] {
  if (names === undefined) return [required('spec.names')];
  const errs: FieldError[] = [];
  if (!strAt(names, 'plural')) errs.push(required('spec.names.plural'));
  else errs.push(...checkWith('spec.names.plural', names.plural, isDNS1123Label));
  if (strAt(names, 'singular'))
    errs.push(...checkWith('spec.names.singular', names.singular, isDNS1123Label));
  if (!strAt(names, 'kind')) errs.push(required('spec.names.kind'));
  else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(String(names.kind))) {
    errs.push(invalid('spec.names.kind', names.kind, 'must be a valid Go identifier'));
  }
  if (strAt(names, 'listKind') && strAt(names, 'listKind') === strAt(names, 'kind')) {
    errs.push(invalid('spec.names.listKind', names.listKind, 'kind and listKind may not be the same'));
  }
  listAt(names, 'shortNames').forEach((s, i) =>
    errs.push(...checkWith(`spec.names.shortNames[${i}]`, s, isDNS1123Label)),
  );
  return errs;
}

function validateVersions(versions: unknown[]): FieldError[] {
  if (versions.length === 0) return [required('spec.versions', 'must have at least one version')];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let storage = 0;
  versions.forEach((v, i) => {
    const f = `spec.versions[${i}]`;
    const name = strAt(v, 'name');
    if (!name) errs.push(required(`${f}.name`));
    else {
      errs.push(...checkWith(`${f}.name`, name, isDNS1123Label));
      if (seen.has(name)) errs.push(duplicate(`${f}.name`, name));
      seen.add(name);
    }
    const rec = isObject(v) ? v : {};
    if (rec.storage === true) storage++;
    for (const flag of ['served', 'storage']) {
      if (typeof rec[flag] !== 'boolean') errs.push(required(`${f}.${flag}`));
    }
    const schema = objAt(objAt(rec, 'schema'), 'openAPIV3Schema');
    if (schema === undefined) errs.push(required(`${f}.schema.openAPIV3Schema`, 'schemas are required'));
    else if (schema.type !== 'object') {
      errs.push(invalid(`${f}.schema.openAPIV3Schema.type`, schema.type ?? '', 'must be object at the root'));
    }
  });
  if (storage !== 1)
    errs.push(invalid('spec.versions', storage, 'must have exactly one version marked as storage version'));
  return errs;
}

export function validateCustomResourceDefinition(obj: Obj, old: Obj | undefined): FieldError[] {
  const spec = objAt(obj, 'spec');
  if (spec === undefined) return [required('spec')];
  const errs: FieldError[] = [];
  const group = strAt(spec, 'group');
  if (!group) errs.push(required('spec.group'));
  else {
    errs.push(...checkWith('spec.group', group, isDNS1123Subdomain));
    if (!group.includes('.'))
      errs.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const names = objAt(spec, 'names');
  errs.push(...validateNames(names));
  const scope = spec.scope;
  if (!scope) errs.push(required('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced')
    errs.push(notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));
  errs.push(...validateVersions(listAt(spec, 'versions')));
  const plural = strAt(names, 'plural');
  const name = strAt(objAt(obj, 'metadata'), 'name');
  if (group && plural && name !== undefined && name !== `${plural}.${group}`) {
    errs.push(invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  }
  const oldSpec = objAt(old, 'spec');
  if (oldSpec !== undefined) {
    for (const key of ['group', 'scope']) {
      if (oldSpec[key] !== undefined && spec[key] !== oldSpec[key])
        errs.push(invalid(`spec.${key}`, spec[key] ?? '', 'field is immutable'));
    }
  }
  return errs;
}
