export * from './env';
export * from './livekit';
export * from './local-instance';
export * from './replica';
