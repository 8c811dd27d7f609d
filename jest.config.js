// ESM jest: NestJS 12 is ESM-only, so corral runs its tests as ES modules (see TOOLCHAIN notes in docs/architecture.md).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // Fastify's plugins require() a few ES-only packages, which Node 22 loads and Jest's module runtime
  // cannot: @fastify/middie's path-to-regexp 9 gets the CommonJS v8 Nest itself uses (same parse()
  // and pathToRegexp()); @fastify/static's content-disposition and glob (called for downloads and
  // wildcard: false only) get stand-ins (test/support/cjs).
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^path-to-regexp$': '<rootDir>/node_modules/path-to-regexp/dist/index.js',
    '^content-disposition$': '<rootDir>/test/support/cjs/content-disposition.cjs',
    '^glob$': '<rootDir>/test/support/cjs/glob.cjs',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
};
