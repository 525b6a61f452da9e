/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/support/setup-env.cjs'],
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
