/**
 * Where the extension keeps a folder's results: `<workspace>/.xray-anomaly/batch/<slug>/results.jsonl`
 * and its media cache beside it. The slug is readable (the folder's path) and unique (a hash of it), so
 * two folders never share a store and the same folder always finds its own.
 */
import { fnv64 } from './keys';

export interface StoreLocation {
  /** The store's JSON Lines file. */
  store: string;
  /** Thumbnails and heatmaps. */
  media: string;
}

/**
 * @param workspaceFolder absolute path of the workspace folder
 * @param relFolder the scored folder relative to it ('' for the workspace folder itself), '/' separators
 */
export function storeLocation(workspaceFolder: string, relFolder: string): StoreLocation {
  const rel = relFolder.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
  const readable = (rel || 'workspace').replace(/[^A-Za-z0-9._-]+/g, '-').slice(-60);
  const dir = `${workspaceFolder.replace(/[\\/]+$/, '')}/.xray-anomaly/batch/${readable}-${fnv64(rel).slice(0, 8)}`;
  return { store: `${dir}/results.jsonl`, media: `${dir}/media` };
}
