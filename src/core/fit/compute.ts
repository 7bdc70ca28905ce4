/**
 * Heavy fitting math (matrix products, nearest-neighbour search, coreset selection) runs as small ONNX
 * graphs, so it uses the same optimised kernels as inference and no JavaScript loops over big arrays.
 * Core stays free of any runtime: the caller injects a ComputeBackend (onnxruntime-node in the engine,
 * CLI and scripts; any ONNX runtime would do).
 */
export type TensorData = Float32Array | Int32Array | BigInt64Array;

export interface Tensor<D extends TensorData = TensorData> {
  data: D;
  dims: number[];
}

export interface ComputeBackend {
  /**
   * Runs the graph that `build` returns. `key` names the graph (same key = same graph), so a backend
   * can build and load it once and reuse the session for every call.
   */
  run(key: string, build: () => Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
}

export function f32(data: Float32Array, dims: number[]): Tensor<Float32Array> {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`tensor of ${data.length} values cannot have shape [${dims}]`);
  return { data, dims };
}

/** Row-major matrix of float32 values. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export function matrix(rows: number, cols: number, data: Float32Array = new Float32Array(rows * cols)): Matrix {
  if (data.length !== rows * cols)
    throw new Error(`matrix ${rows}x${cols} needs ${rows * cols} values, got ${data.length}`);
  return { rows, cols, data };
}

export function rowsOf(m: Matrix, start: number, end: number): Matrix {
  return matrix(end - start, m.cols, m.data.subarray(start * m.cols, end * m.cols));
}

/** Stacks matrices with equal column counts. */
export function vstack(parts: Matrix[]): Matrix {
  if (parts.length === 0) throw new Error('vstack of nothing');
  const cols = parts[0].cols;
  const rows = parts.reduce((a, p) => a + p.rows, 0);
  const out = matrix(rows, cols);
  let o = 0;
  for (const p of parts) {
    if (p.cols !== cols) throw new Error(`vstack: ${p.cols} columns, expected ${cols}`);
    out.data.set(p.data, o);
    o += p.data.length;
  }
  return out;
}

/** Concatenates matrices with equal row counts side by side. */
export function hstack(parts: Matrix[]): Matrix {
  if (parts.length === 0) throw new Error('hstack of nothing');
  const rows = parts[0].rows;
  const cols = parts.reduce((a, p) => a + p.cols, 0);
  const out = matrix(rows, cols);
  for (let r = 0; r < rows; r++) {
    let o = r * cols;
    for (const p of parts) {
      if (p.rows !== rows) throw new Error(`hstack: ${p.rows} rows, expected ${rows}`);
      out.data.set(p.data.subarray(r * p.cols, (r + 1) * p.cols), o);
      o += p.cols;
    }
  }
  return out;
}

export function selectRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = matrix(idx.length, m.cols);
  for (let i = 0; i < idx.length; i++)
    out.data.set(m.data.subarray(idx[i] * m.cols, (idx[i] + 1) * m.cols), i * m.cols);
  return out;
}
