export * from './poll-until';
export * from './kafka/kafka-mock';
export * from './service-harness';
export * from './process';
export * from './twilio-signature';
export * from './api-fixtures';
export * from './fakes/fake-http-server';
