/**
 * Dynamic batching for one loaded model: tensors wait in a queue; whenever the model's session is idle
 * it takes up to the current batch size of them (same shape) and runs them as one [n, C, H, W] input.
 * No timer: while a run is going, the next inputs gather, so batches fill at the pipeline's pace; and
 * while files the caller announced (`expect`) are still being decoded, a part batch waits for them, so
 * that a session faster than the decoding does not run one input at a time (a 64 x 64 CAE: 1.1 CPU ms
 * per image alone, 0.5 in batches of 16, on the thread that also hands out the files). The
 * size is measured per model (BatchSizer: batching slows some models down), up to `maxBatch`. Models
 * whose input has a fixed batch dimension of 1 run one tensor at a time. A failed batch is retried item
 * by item, so one bad input cannot fail the others. Inputs that want only the outputs of the model's
 * lean session (its graph cut to the score and embedding, leanSession.ts) run on that session, in batches
 * of their own, each session with its own measured size. With inference lanes (inferLane.ts: worker
 * threads with one-thread sessions of their own), each idle lane takes the next batch, so batches run side
 * by side off the main thread; the main thread's own session runs batches only when no lane is usable.
 */
import type * as ort from 'onnxruntime-node';
import { BatchSizer } from '../../core/batch/batchSize';
import { XrayError } from '../../core/errors';
import type { OutputTensor } from '../coreOps';
import type { KeyedQueue } from '../keyedQueue';
import { LaneStopped, type InferLane } from './inferLane';

interface Waiting {
  tensor: Float32Array;
  dims: readonly number[];
  /** The outputs this input needs; undefined: all of them. */
  outputs?: readonly string[];
  resolve(out: Record<string, OutputTensor>): void;
  reject(err: unknown): void;
  /** Resolved or rejected (a lane that stops mid-group gives back only the others). */
  settled?: boolean;
}

export interface BatcherDeps {
  /** The model's session: its input metadata, and its runs unless `full` says otherwise. */
  session: ort.InferenceSession;
  /** The session runs of all outputs use (asked for before each run; default `session`). */
  full?(): Promise<ort.InferenceSession>;
  inputName: string;
  modelId: string;
  modelKey: string;
  queue: KeyedQueue;
  ort(): typeof ort;
  maxBatch: number;
  /** Before every run (test hooks: crash mid-batch). */
  beforeRun?(): Promise<void>;
  /**
   * Inputs that want only (some of) `outputs` run on `session()` (asked for on the first such run): the
   * graph cut to them, or the full session again where no cut pays.
   */
  lean?: { outputs: readonly string[]; session(): Promise<ort.InferenceSession> };
  /** Worker threads that run this model's batches (kinds 'full' and 'lean'), preferred to the main thread. */
  lanes?: readonly InferLane[];
}

/** Runs one batched input; outputs come back batched. `owned`: the data may be handed over, not copied. */
type Runner = (
  data: Float32Array,
  dims: readonly number[],
  fetches: string[] | undefined,
  owned: boolean,
) => Promise<Record<string, OutputTensor>>;

type Kind = 'full' | 'lean';

/** How a group runs, for which kind of input, and whether on a cut graph (counted as lean). */
interface SessionUse {
  run: Runner;
  kind: Kind;
  cut(): Promise<boolean>;
}

export class ModelBatcher {
  private readonly waiting: Waiting[] = [];
  /** The main thread's session is running a group. */
  private running = false;
  private readonly busyLanes = new Set<InferLane>();
  /** Inputs announced by `expect` and not yet handed to `run`. */
  private upcoming = 0;
  private batchable: boolean;
  private readonly sizers: Record<Kind, BatchSizer>;
  /** Runs done, items through them (of which on the lean session) and milliseconds inside them. */
  readonly stats = { runs: 0, items: 0, ms: 0, leanItems: 0 };

  constructor(private readonly deps: BatcherDeps) {
    const meta = deps.session.inputMetadata?.find?.((m) => m.name === deps.inputName);
    const first = meta && meta.isTensor ? meta.shape[0] : undefined;
    this.batchable = deps.maxBatch > 1 && (typeof first === 'string' || (typeof first === 'number' && first < 0));
    const max = this.batchable ? deps.maxBatch : 1;
    this.sizers = { full: new BatchSizer(max), lean: new BatchSizer(max) };
  }

  /** Lets the lanes' threads end once their runs are done (the model was superseded). */
  close(): void {
    for (const l of this.deps.lanes ?? []) l.close();
  }

  /** The batch size this model settled on (undefined while measuring), on its full or lean session. */
  batchSize(kind: Kind = 'full'): number | undefined {
    return this.sizers[kind].chosen;
  }

  /**
   * `n` more inputs are on their way (positive: announced; negative: handed to `run` or given up). Every
   * announced input must be taken back, or part batches wait for it (they still run, one by one, when
   * nothing else is announced).
   */
  expect(n: number): void {
    this.upcoming = Math.max(0, this.upcoming + n);
    if (n < 0) this.pump();
  }

  /**
   * Runs one input (in a batch with others). `outputs`: the outputs wanted (default all); a run fetches the
   * union of its inputs' wants. onnxruntime-node still runs every node of the graph it is given
   * (chest-patchcore 1.0.0+4cf306cf: 14.9 ms for pred_score alone, 15.2 ms for both outputs; the graph cut
   * to pred_score's nodes 6.5 ms), so inputs the lean session serves run there; on the full session what
   * is saved is copying the unwanted outputs back and the work on them here (a CAE's map and top-k: 64 px
   * 0.65 instead of 0.85-1.05 CPU ms per image alone).
   */
  run(
    tensor: Float32Array,
    dims: readonly number[],
    outputs?: readonly string[],
  ): Promise<Record<string, OutputTensor>> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ tensor, dims, outputs, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      const lane = this.idleLane();
      if (lane === undefined) return;
      const first = this.waiting[0];
      const kind = this.kindOf(first);
      const take: Waiting[] = [];
      const max = this.batchable ? this.sizers[kind].target : 1;
      // A part batch waits while more inputs are announced: each one that comes fills it.
      if (this.waiting.length < max && this.upcoming > 0) return;
      for (let i = 0; i < this.waiting.length && take.length < max; i++)
        if (sameDims(this.waiting[i].dims, first.dims) && this.kindOf(this.waiting[i]) === kind)
          take.push(this.waiting[i]);
      for (const t of take) this.waiting.splice(this.waiting.indexOf(t), 1);
      if (lane === 'main') {
        this.running = true;
        void this.deps.queue
          .run(this.deps.modelKey, () => this.runGroup(take, kind, lane))
          .finally(() => {
            this.running = false;
            this.pump();
          });
      } else {
        this.busyLanes.add(lane);
        void this.runGroup(take, kind, lane).finally(() => {
          this.busyLanes.delete(lane);
          this.pump();
        });
      }
    }
  }

  /** An idle usable lane; else the main thread when no lane is usable and it is idle; else undefined. */
  private idleLane(): InferLane | 'main' | undefined {
    const usable = (this.deps.lanes ?? []).filter((l) => l.usable);
    if (usable.length === 0) return this.running ? undefined : 'main';
    return usable.find((l) => !this.busyLanes.has(l));
  }

  /** 'lean' when the input wants only outputs the lean session has. */
  private kindOf(w: Waiting): Kind {
    const lean = this.deps.lean;
    return lean && w.outputs && w.outputs.every((o) => lean.outputs.includes(o)) ? 'lean' : 'full';
  }

  private async runGroup(group: Waiting[], kind: Kind, lane: InferLane | 'main'): Promise<void> {
    try {
      await this.deps.beforeRun?.();
      const use = lane === 'main' ? await this.mainUse(kind) : this.laneUse(lane, kind);
      if (group.length === 1) {
        await this.runOne(group[0], use);
        return;
      }
      let outs: Record<string, OutputTensor>[] | undefined;
      try {
        outs = await this.infer(group, use);
      } catch (err) {
        if (err instanceof LaneStopped) throw err;
        outs = undefined;
      }
      if (!outs) {
        for (const w of group) await this.runOne(w, use);
        return;
      }
      group.forEach((w, i) => settle(w, () => w.resolve(outs![i])));
    } catch (err) {
      if (!(err instanceof LaneStopped)) throw err;
      // The lane's thread stopped: its inputs not yet answered go back, to another lane or the main thread.
      this.waiting.unshift(...group.filter((w) => !w.settled));
    }
  }

  /** The main thread's session for `kind` (the batch sessions: ModelRegistry.batchSession). */
  private async mainUse(kind: Kind): Promise<SessionUse> {
    const full = (await this.deps.full?.()) ?? this.deps.session;
    const session = kind === 'lean' ? await this.deps.lean!.session() : full;
    const { Tensor } = this.deps.ort();
    const run: Runner = async (data, dims, fetches) => {
      const feeds = { [this.deps.inputName]: new Tensor('float32', data, dims) };
      const results = await (fetches ? session.run(feeds, fetches) : session.run(feeds));
      const out: Record<string, OutputTensor> = {};
      for (const [name, t] of Object.entries(results)) {
        out[name] = { data: toFloat32(t.data, name, this.deps.modelId), dims: t.dims.map(Number) };
        t.dispose?.();
      }
      return out;
    };
    // A lean run on the full graph (no cut paid) is not counted as lean.
    return { run, kind, cut: async () => session !== full };
  }

  private laneUse(lane: InferLane, kind: Kind): SessionUse {
    return {
      run: (data, dims, fetches, owned) => lane.run(kind, { name: this.deps.inputName, data, dims }, fetches, owned),
      kind,
      cut: () => lane.isCut(kind),
    };
  }

  private async runOne(w: Waiting, use: SessionUse): Promise<void> {
    try {
      const out = (await this.infer([w], use))[0];
      settle(w, () => w.resolve(out));
    } catch (err) {
      if (err instanceof LaneStopped) throw err;
      settle(w, () => w.reject(err));
    }
  }

  /** One session run over the group; outputs split back per item along the first dimension. */
  private async infer(group: Waiting[], use: SessionUse): Promise<Record<string, OutputTensor>[]> {
    const n = group.length;
    const per = group[0].tensor.length;
    let data: Float32Array;
    if (n === 1) data = group[0].tensor;
    else {
      data = new Float32Array(per * n);
      group.forEach((w, i) => data.set(w.tensor, i * per));
    }
    const dims = [n, ...group[0].dims.slice(1)];
    let results: Record<string, OutputTensor>;
    const t0 = performance.now();
    try {
      // A single input's tensor is the caller's (postprocessing may read it): only a batch's own copy is handed over.
      results = await use.run(data, dims, wanted(group), n > 1);
      this.sizers[use.kind].record(n, performance.now() - t0);
    } catch (err) {
      if (err instanceof LaneStopped) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new XrayError(
        'INFERENCE_FAILED',
        `Model "${this.deps.modelId}" failed to run: ${message.split('\n')[0]}`,
        message,
      );
    }
    this.stats.runs++;
    this.stats.items += n;
    if (await use.cut()) this.stats.leanItems += n;
    this.stats.ms += performance.now() - t0;
    const out: Record<string, OutputTensor>[] = group.map(() => ({}));
    for (const [name, t] of Object.entries(results)) {
      const all = t.data;
      const tdims = t.dims;
      if (n === 1) {
        out[0][name] = { data: all, dims: tdims };
        continue;
      }
      if (tdims[0] !== n || all.length % n !== 0) {
        // This model does not batch along the first dimension after all: one at a time from now on.
        this.batchable = false;
        throw new XrayError('INFERENCE_FAILED', `Output ${name} of ${this.deps.modelId} is not batched.`);
      }
      const size = all.length / n;
      for (let i = 0; i < n; i++)
        out[i][name] = { data: all.slice(i * size, (i + 1) * size), dims: [1, ...tdims.slice(1)] };
    }
    return out;
  }
}

/** Answers an input once. */
function settle(w: Waiting, answer: () => void): void {
  if (w.settled) return;
  w.settled = true;
  answer();
}

/** The outputs a group needs: the union of its inputs' wants, or undefined (all) when one wants all. */
function wanted(group: Waiting[]): string[] | undefined {
  const names = new Set<string>();
  for (const w of group) {
    if (!w.outputs) return undefined;
    for (const n of w.outputs) names.add(n);
  }
  return [...names];
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function toFloat32(data: unknown, name: string, modelId: string): Float32Array {
  if (data instanceof Float32Array) return data;
  if (ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array))
    return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new XrayError('INFERENCE_FAILED', `Model "${modelId}" output "${name}" is not a numeric tensor.`);
}
