export * from './twilio/twilio-webhook';
export * from './twilio/twilio-voice-params';
export * from './provider-adapter';
export * from './twilio/twilio.adapter';
export * from './plivo/plivo.adapter';
export * from './exotel/exotel.adapter';
export * from './vobiz/vobiz.adapter';
