import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// The studio runs in the browser and talks to the platform over HTTP only: of our code it may use contracts
// (its browser tests also the testing lib).
const browserOnly = (...more) => ({ sourceTag: 'platform:browser', onlyDependOnLibsWithTags: ['io:none', ...more] });

const boundaries = (extra = []) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      // An app never imports another app; apps share code only through libs.
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      // The all-in-one is the one composition root that runs every app in one process.
      { sourceTag: 'type:composition', onlyDependOnLibsWithTags: ['type:lib', 'type:app'] },
      // deploy's checks may boot services through the libs (deploy/observability.spec.ts scrapes them).
      { sourceTag: 'type:deploy', onlyDependOnLibsWithTags: ['type:lib'] },
      // contracts is schemas and types only: it may import nothing of ours.
      { sourceTag: 'io:none', onlyDependOnLibsWithTags: ['io:none'] },
      ...extra,
    ],
  },
];

export default [
  { ignores: ['**/node_modules', '**/dist', '**/.nx', '**/.data', 'libs/db/src/generated/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Production code never depends on test helpers.
      '@nx/enforce-module-boundaries': boundaries([browserOnly(), { sourceTag: 'type:app', notDependOnLibsWithTags: ['scope:testing'] }, { sourceTag: 'scope:shared', notDependOnLibsWithTags: ['scope:testing'] }]),
    },
  },
  {
    // Tests may use the testing lib; every other boundary still holds for them.
    files: ['**/*.spec.ts', '**/*.test.ts', '**/*.test-harness.ts', 'libs/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries([browserOnly('scope:testing')]) },
  },
  {
    // Contracts' types describe the API's bodies; their zod schemas stay on the server, out of the browser bundle.
    files: ['apps/studio/src/**/*.ts', 'apps/studio/src/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@callplane/*', 'zod'], allowTypeImports: true, message: 'The studio imports only types from contracts (import type): no server code in the bundle.' }] },
      ],
    },
  },
  {
    files: ['bench/**/*.ts', 'scripts/**/*.ts', 'libs/testing/**/*.ts', '**/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
];
