// The fit wizard's runner (src/extension/fit/wizard.ts): steps run in order on one draft, a dismissed
// step ends the wizard with nothing done, a new step can be placed before an existing one, and a wizard
// whose steps left out the images, the folder or the id is an error rather than a half-made fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  insertStep,
  runWizard,
  type FitDraft,
  type WizardContext,
  type WizardStep,
} from '../../../src/extension/fit/wizard';

const ctx = { models: { models: [], folders: () => [], refresh: async () => undefined } } as unknown as WizardContext;
const source = { files: ['/n/a.png'], label: 'n', baseName: 'n' };

function step(id: string, order: string[], fill: (d: FitDraft) => boolean): WizardStep {
  return {
    id,
    run: async (draft) => {
      order.push(id);
      return fill(draft);
    },
  };
}

function basicSteps(order: string[]): WizardStep[] {
  return [
    step('source', order, (d) => ((d.source = source), true)),
    step('destination', order, (d) => ((d.outDir = '/models'), true)),
    step('modelId', order, (d) => ((d.modelId = d.args.modelId ?? 'n-detector'), true)),
    step('name', order, () => true),
  ];
}

test('steps run in order on one draft; the plan carries what they filled in', async () => {
  const order: string[] = [];
  const plan = await runWizard({ modelId: 'hands', quiet: true }, ctx, basicSteps(order));
  assert.deepEqual(order, ['source', 'destination', 'modelId', 'name']);
  assert.equal(plan?.modelId, 'hands');
  assert.equal(plan?.outDir, '/models');
  assert.equal(plan?.quiet, true);
  assert.equal(plan?.overwrite, false);
});

test('a dismissed step ends the wizard: later steps do not run', async () => {
  const order: string[] = [];
  const steps = basicSteps(order);
  steps[1] = step('destination', order, () => false);
  assert.equal(await runWizard({}, ctx, steps), undefined);
  assert.deepEqual(order, ['source', 'destination']);
});

test('insertStep places a new question before a named step, or last; ids stay unique', async () => {
  const order: string[] = [];
  const withPipeline = insertStep(
    basicSteps(order),
    step('pipeline', order, () => true),
    'name',
  );
  await runWizard({}, ctx, withPipeline);
  assert.deepEqual(order, ['source', 'destination', 'modelId', 'pipeline', 'name']);
  assert.deepEqual(
    insertStep(
      basicSteps([]),
      step('last', [], () => true),
    ).map((s) => s.id),
    ['source', 'destination', 'modelId', 'name', 'last'],
  );
  assert.throws(
    () =>
      insertStep(
        basicSteps([]),
        step('name', [], () => true),
      ),
    /already has a step "name"/,
  );
});

test('steps that leave out the images, the folder or the id are an error, not a fit', async () => {
  await assert.rejects(runWizard({}, ctx, basicSteps([]).slice(1)), /without images/);
  await assert.rejects(runWizard({}, ctx, [basicSteps([])[0]]), /without a folder/);
  await assert.rejects(runWizard({}, ctx, basicSteps([]).slice(0, 2)), /without an id/);
});
