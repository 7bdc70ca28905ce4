/** The viewer's channel to the extension host: the shared webview bridge typed with the viewer protocol. */
import type { HostToViewerMethods, HostToViewerNotifications, ViewerToHostNotifications } from '../../protocol/viewer';
import { HostBridge, type VsCodeApi } from '../shared/hostBridge';

export type ViewerBridge = HostBridge<ViewerToHostNotifications, HostToViewerNotifications, HostToViewerMethods>;

export function viewerBridge(api: VsCodeApi): ViewerBridge {
  return new HostBridge(api, 'The viewer');
}
