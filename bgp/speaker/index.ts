export { createSpeaker } from './speaker.js';
export type { Speaker, SpeakerOptions, SetPeersResult } from './speaker.js';
export type { PeerConfig, PeerState, PeerStatus, RouteCount, SpeakerEvent } from './types.js';
export type { RouteSpec } from './routes.js';
export type { Family } from './wire.js';
