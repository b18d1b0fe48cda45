export * from './twilio/twilio-webhook';
export * from './twilio/twilio-voice-params';
export * from './provider-adapter';
