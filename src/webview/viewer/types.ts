/**
 * Types the viewer uses, derived from the viewer protocol alone: the webview layer may not import core,
 * so the core shapes are reached through the messages that carry them.
 */
import type { HostToViewerNotifications } from '../../protocol/viewer';

export type XrayImage = HostToViewerNotifications['image']['image'];
export type PixelData = XrayImage['data'];
export type WindowPreset = XrayImage['windows'][number];
export type AnalysisResult = HostToViewerNotifications['analysis']['result'];
export type AnomalyMap = NonNullable<AnalysisResult['map']>;
export type Affine = AnomalyMap['toImage'];
export type ErrorInfo = HostToViewerNotifications['error']['error'];
export type ErrorCode = ErrorInfo['code'];
export type ErrorScope = HostToViewerNotifications['error']['scope'];
export type {
  PreviewImage,
  PreviewMessage,
  PreviewStep,
  TagsMessage,
  ViewerAction,
  ViewerTag,
} from '../../protocol/viewer';
