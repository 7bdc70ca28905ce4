/**
 * 2x3 affine helpers ([a, b, c, d, e, f]: x' = a*x + b*y + c, y' = d*x + e*y + f), the same convention
 * as the core's, re-implemented here because the webview bundle may not import core code.
 */
import type { Affine } from './types';

export const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** compose(outer, inner) applies inner first. */
export function compose(outer: Affine, inner: Affine): Affine {
  const [a1, b1, c1, d1, e1, f1] = outer;
  const [a2, b2, c2, d2, e2, f2] = inner;
  return [
    a1 * a2 + b1 * d2,
    a1 * b2 + b1 * e2,
    a1 * c2 + b1 * f2 + c1,
    d1 * a2 + e1 * d2,
    d1 * b2 + e1 * e2,
    d1 * c2 + e1 * f2 + f1,
  ];
}

/** Inverse, or undefined for a singular (or non-finite) matrix so callers can skip instead of crashing. */
export function invert(m: Affine): Affine | undefined {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return undefined;
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

export function apply(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

export function isAffine(v: unknown): v is Affine {
  return Array.isArray(v) && v.length === 6 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}
