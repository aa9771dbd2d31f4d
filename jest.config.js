/** One jest run over every package's unit tests and the black-box suites in test/. */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/kernel', '<rootDir>/extension', '<rootDir>/test'],
  testMatch: ['**/test/**/*.spec.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@taskcell/jupyterlab$': '<rootDir>/extension/src/index.ts',
    '^@taskcell/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^taskcell$': '<rootDir>/kernel/src/index.ts',
  },
  testTimeout: 60000,
  testPathIgnorePatterns: ['/node_modules/', '/lib/', '/.venv/'],
};
