// IP helpers live in lib/ip.ts (shared with the datapath); kept here for existing imports.
export * from '../lib/ip.js';
