export * from './sip-uri';
export * from './livekit-sip';
export * from './livekit-calls';
export * from './livekit-recordings';
export * from './livekit-webhooks';
