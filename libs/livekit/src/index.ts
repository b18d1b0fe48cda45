export * from './sip-uri';
