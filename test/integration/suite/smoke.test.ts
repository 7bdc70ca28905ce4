// Proves the harness itself: the suite runs inside a real VS Code extension host, the extension under
// development is loaded and activates, and the screenshot channel to the runner answers.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { harnessDir, screenshot } from './harness';

const EXTENSION_ID = 'xray-anomaly-review.xray-anomaly-review';

describe('harness smoke', () => {
  it('runs inside a real VS Code extension host', () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    assert.equal(typeof vscode.window.showInformationMessage, 'function');
  });

  it('loads and activates the extension under development', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded (is extensionDevelopmentPath the repository?)`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('saves a workbench screenshot through the runner', async function () {
    if (!harnessDir()) this.skip();
    const path = await screenshot('smoke-workbench');
    assert.ok(path && existsSync(path), `screenshot file missing: ${path}`);
    console.log(`screenshot: ${path}`);
  });
});
