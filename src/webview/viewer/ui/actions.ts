/** What the controls can ask the viewer to do; implemented by the app, called by toolbar, panels and keys. */
import type { Colormap } from '../../../protocol/viewer';
import type { PanelTab, Tool } from '../persist';

export interface Actions {
  fit(): void;
  oneToOne(): void;
  zoomStep(dir: 1 | -1): void;
  setTool(tool: Tool): void;
  choosePreset(id: string): void;
  cyclePreset(dir: 1 | -1): void;
  setWindowNumbers(center: number, width: number): void;
  toggleInvert(): void;
  reset(): void;
  toggleOverlay(): void;
  setOpacity(v: number, commit: boolean): void;
  setColormap(c: Colormap): void;
  setThreshold(v: number, commit: boolean): void;
  setOutline(on: boolean): void;
  selectModel(id: string): void;
  pickModel(): void;
  reanalyze(): void;
  togglePanel(): void;
  toggleHelp(): void;
  currentTool(): Tool;
  deleteMeasurement(): void;
  clearMeasurements(): void;
  /** Box marks: remove the picked box (else the newest); undo the label set's last change. */
  deleteBox(): void;
  undoBox(): void;
  setFloor(v: number, commit: boolean): void;
  /** Multi-frame files: go to a frame (0-based) or step by one. */
  selectFrame(frame: number): void;
  stepFrame(dir: 1 | -1): void;
  showTab(tab: PanelTab): void;
  toggleTagsTab(): void;
  searchTags(query: string): void;
  toggleTagRow(id: string): void;
  revealPatientData(reveal: boolean): void;
  copyText(text: string, what: string): void;
  toggleStrip(): void;
  /** Opens one preprocessing step large (null closes it). */
  openPreviewStep(index: number | null): void;
}
