/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // isolatedModules in tsconfig makes ts-jest transpile only; `npm run typecheck` covers the types.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  // Two cores on CI: component tests spawn child processes, so keep workers at the core count.
  maxWorkers: 2,
  testTimeout: 30000,
};
