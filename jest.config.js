// One Jest run over every project; `nx test <project>` narrows it to one folder.
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/deploy', '<rootDir>/bench'],
  testMatch: ['**/*.spec.ts', '**/*.test.ts'],
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  // Prisma's WASM schema engine ships as ES modules; Jest's CommonJS runtime needs it compiled.
  transformIgnorePatterns: ['/node_modules/(?!@prisma/schema-engine-wasm/)'],
  moduleNameMapper,
  globalSetup: '<rootDir>/libs/testing/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/jest/global-teardown.ts',
  setupFiles: ['<rootDir>/libs/testing/src/jest/per-file-database.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
  // A fresh worker process for every test file (a limit any worker is over after a file): onnxruntime-node's native
  // binding, which Silero loads on the main thread in some files and on the voice agent's inference thread in others,
  // was seen failing to load ("Module did not self-register") in a file that followed another in the same process.
  workerIdleMemoryLimit: '1MB',
};
