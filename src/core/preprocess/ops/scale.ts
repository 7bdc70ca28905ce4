/** Final value scaling, v * scale + offset (e.g. [0,1] -> [-1,1] for GANs: scale 2, offset -1). */
import type { PreprocessStep } from '../spec';
import { mapLinearClamped } from '../raster';
import { stepSchema, type OpDefinition } from '../state';

type ScaleStep = Extract<PreprocessStep, { op: 'scale' }>;

export const scale: OpDefinition<ScaleStep> = {
  op: 'scale',
  params: stepSchema(
    'scale',
    'Value scaling v * scale + offset, e.g. scale 2, offset -1 for [-1,1].',
    { scale: { type: 'number' }, offset: { type: 'number' } },
    ['scale', 'offset'],
  ),
  check: (step) => (step.scale === 0 ? ['scale must not be 0 (every pixel would become the same value)'] : []),
  apply(state, step) {
    const f = (v: number) => v * step.scale + step.offset;
    const domain = state.domain && {
      min: Math.min(f(state.domain.min), f(state.domain.max)),
      max: Math.max(f(state.domain.min), f(state.domain.max)),
    };
    return {
      ...state,
      raster: mapLinearClamped(state.raster, step.scale, step.offset, -Infinity, Infinity),
      domain,
      black: f(state.black),
    };
  },
};
