// The mocha instance of the in-VS-Code suite. esbuild bundles every suite into one file, so suites register
// when the bundle loads, not when mocha `require`s them: this module must be imported FIRST by index.ts. It
// creates the instance and emits mocha's `pre-require` event, which defines `describe`/`it` (BDD) and
// `suite`/`test` (TDD) as globals and as `require('mocha')` exports before any suite module runs.
import Mocha from 'mocha';
import { HarnessReporter } from './reporter';

export const mocha = new Mocha({
  ui: 'bdd',
  color: false,
  // The extension host, the engine process and webviews start cold inside a browser: generous per test.
  timeout: 60000,
  slow: 5000,
  reporter: HarnessReporter as unknown as typeof Mocha.reporters.Base,
});
Mocha.interfaces.tdd(mocha.suite);
mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, 'dist/test/integration.js', mocha);
