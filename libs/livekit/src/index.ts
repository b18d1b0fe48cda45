export * from './sip-uri';
export * from './livekit-sip';
