export * from './env';
export * from './livekit';
