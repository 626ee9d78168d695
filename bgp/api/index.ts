/** The BGP control plane's CRDs: schemas, types, defaults and parse functions. */
export * from './common.js';
export * from './cluster-config.js';
export * from './peer-config.js';
export * from './advertisement.js';
export * from './node-config.js';
export * from './peering-policy.js';
