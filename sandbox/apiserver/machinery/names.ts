/**
 * Name and key rules beyond labels (see k8s/labels.ts for DNS-1123 and qualified names). Each
 * returns the problems found (empty = valid) worded like the Kubernetes API's messages.
 */
import { DNS1123_LABEL_MAX } from '../../../k8s/labels.js';

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const CONFIG_KEY_FMT = '[-._a-zA-Z0-9]+';
const dns1035Label = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const configKey = new RegExp(`^${CONFIG_KEY_FMT}$`);
const CONFIG_KEY_MAX = 253;

/** Service names are RFC 1035 labels: they must start with a letter (they become DNS names and env vars). */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errs.push(`must be no more than ${DNS1123_LABEL_MAX} characters`);
  if (!dns1035Label.test(value)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
        `character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_LABEL_FMT}')`,
    );
  }
  return errs;
}

/** ConfigMap and Secret data keys (they become file names in volumes, hence no '..'). */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > CONFIG_KEY_MAX) errs.push(`must be no more than ${CONFIG_KEY_MAX} characters`);
  if (!configKey.test(value)) {
    errs.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or " +
        `'KEY_NAME',  or 'key-name', regex used for validation is '${CONFIG_KEY_FMT}')`,
    );
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/**
 * Container port names (IANA_SVC_NAME): at most 15 characters, lower case letters, digits and
 * '-', at least one letter, no leading, trailing or doubled '-'.
 */
export function isValidPortName(value: string): string[] {
  const errs: string[] = [];
  if (value.length < 1 || value.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(value))
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (value.includes('--')) errs.push('must not contain consecutive hyphens');
  if (!/[a-z]/.test(value)) errs.push('must contain at least one letter (a-z)');
  if (value.startsWith('-') || value.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}
