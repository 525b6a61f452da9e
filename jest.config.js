/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/support/setup-env.cjs'],
  // The shipped pipeline.yml is the user's to edit: every in-process import of it (src/lib/pipeline/bundled.ts
  // and the test helpers) gets the tests' own copy instead. Tests about the shipped file read it by
  // path (test/support/shipped-pipeline.ts); `sls package` and child processes still read pipeline.yml.
  moduleNameMapper: { '^(\\.\\./)+pipeline\\.yml$': '<rootDir>/test/fixtures/pipelines/demo/pipeline.yml' },
  transform: {
    '\\.ya?ml$': '<rootDir>/test/support/yaml-transform.cjs',
    '^.+\\.[tj]s$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // middy and hyparquet ship only ES modules; compile them for jest's CommonJS runtime
  transformIgnorePatterns: ['/node_modules/(?!(@middy|hyparquet|hyparquet-writer)/)'],
  moduleFileExtensions: ['ts', 'js', 'cjs', 'json', 'yml'],
  testTimeout: 30000,
};
