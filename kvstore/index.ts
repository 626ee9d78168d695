/** The project's etcd layer: import from here rather than from the files inside. */
export type * from './types.js';
export { connectKv } from './etcd.js';
export { syncPrefix, type PrefixSync, type SyncHandler, type SyncOptions, type SyncStats } from './sync.js';
export { LeasedKeys, type LeasedKeysOptions } from './lease-keeper.js';
export { prefixRangeEnd } from './convert.js';
