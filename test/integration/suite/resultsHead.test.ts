// A results panel on a store of many rows (written straight through the store writer) in a real VS Code:
// the host sends the page's first screenful ahead of the whole table (the `head` message), the page shows it,
// then takes every row; the order the page ends with starts with the rows the head showed.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitForReport } from './helpers';
import { writeStore } from './storeFixture';

const MODEL = 'chest-patchcore';
/** Above the host's HEAD_FROM_ROWS (5,000): a store this large gets a head. */
const ROWS = 8000;

describe('Results panel of a large store', function () {
  this.timeout(120_000);
  const root = () => join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'results-large');

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    await writeStore(root(), ROWS, join(ext.extensionUri.fsPath, 'models', MODEL, `${MODEL}.model.json`));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the first screenful ahead of the rows, then every row in the same order', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('xrayAnomaly.showResults', vscode.Uri.file(root()), undefined, [MODEL]);
    const r = await waitForReport(
      root(),
      `all ${ROWS} rows drawn`,
      (x) => x.rows === ROWS && x.rendered > 0 && x.timeline.lastRows !== undefined,
    );
    const tl = r.timeline;
    assert.ok(tl.headSent && tl.headArrived && tl.firstDataArrived && tl.firstPainted, JSON.stringify(tl));
    // One ordered channel: the head is handled before the first rows' message.
    assert.ok(tl.headArrived <= tl.firstDataArrived, JSON.stringify(tl));
    assert.ok(tl.host?.readEnd && tl.host.ready, `the host's stamps: ${JSON.stringify(tl.host)}`);
    // Read before the page said ready (VS Code takes about a second to start a page): the head went unasked.
    if (tl.host.readEnd < tl.host.ready)
      assert.ok(tl.host.pushed && tl.host.pushed < tl.host.ready, `pushed: ${JSON.stringify(tl.host)}`);
    assert.equal(r.visible, ROWS);
    // Highest score first (the default order); failed rows (no score) are not at the top.
    const raws = r.top.map((t) => t.raw);
    assert.ok(raws.length >= 20 && raws.every((v) => typeof v === 'number'), JSON.stringify(r.top.slice(0, 3)));
    for (let i = 1; i < raws.length; i++) assert.ok(raws[i - 1]! >= raws[i]!, `descending at ${i}: ${raws}`);
    assert.ok(r.firstRowText?.join(' ').includes(r.top[0].path.split('/').pop()!), JSON.stringify(r.firstRowText));
  });
});
