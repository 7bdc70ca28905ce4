/**
 * The prep workers' scheduling priority. The engine's main thread runs the session runs, the pipeline's
 * one serial stage; the prep workers are its parallel stage and have slack (several files queued ahead).
 * At equal priority, on a machine with as many cores as workers, the kernel shares the cores evenly
 * between the main thread, onnxruntime's pool and the workers, so every session run waits for cores the
 * workers hold and the main thread (fed at batch pace) becomes the bottleneck. Workers a few nice levels
 * below the main thread still get every core the session leaves idle. Measured (2 cores, chest-patchcore
 * 1.0.0+f65337a7, unniced at load 10-12, settings taking turns): chest test-dev 49-54 img/s at equal
 * priority, 59-64 at nice 2; 1024x1024 16-bit PNGs (decoding the slower stage) 15.0-18.3 and 16.2-18.0,
 * within the noise (at nice 4 14.1-19.6: the workers lose more to other processes). Only the worker
 * threads are lowered: sharp's, libuv's and onnxruntime's threads keep the engine's priority.
 * XRAY_ANOMALY_PREP_NICE overrides (0: equal priority).
 */
import { getPriority, setPriority } from 'node:os';

export const PREP_NICE_ENV = 'XRAY_ANOMALY_PREP_NICE';
export const DEFAULT_PREP_NICE = 2;

/** Nice levels the prep workers run below the engine (0-19). */
export function prepNice(env: Record<string, string | undefined>): number {
  const raw = env[PREP_NICE_ENV];
  const v = Number(raw);
  if (raw !== undefined && raw.trim() !== '' && Number.isInteger(v) && v >= 0) return Math.min(v, 19);
  return DEFAULT_PREP_NICE;
}

/**
 * Lowers the calling thread's priority by `by` nice levels (on Linux a thread's own; elsewhere the call
 * may apply to the process or fail, so only Linux does it). Failing is harmless: equal priority.
 */
export function lowerThisThread(by: number, platform = process.platform): boolean {
  if (by <= 0 || platform !== 'linux') return false;
  try {
    setPriority(Math.min(19, getPriority() + by));
    return true;
  } catch {
    return false;
  }
}
