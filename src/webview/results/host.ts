/** The results panel's channel to the extension host: the shared webview bridge typed with the results protocol. */
import type {
  HostToResultsMethods,
  HostToResultsNotifications,
  ResultsToHostNotifications,
} from '../../protocol/results';
import { HostBridge, type VsCodeApi } from '../shared/hostBridge';

export type ResultsBridge = HostBridge<ResultsToHostNotifications, HostToResultsNotifications, HostToResultsMethods>;

export function resultsBridge(api: VsCodeApi): ResultsBridge {
  // State is saved a moment after the last change (a threshold drag or a scroll saves once, at its end).
  return new HostBridge(api, 'The results panel', 200);
}
