export * from './twilio/twilio-webhook';
