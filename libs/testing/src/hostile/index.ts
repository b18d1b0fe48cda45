export * from './api-operations';
export * from './hostile-values';
export * from './schema-values';
export * from './hostile-requests';
export * from './keep-alive-client';
export * from './database-fingerprint';
