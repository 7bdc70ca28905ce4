/** What the controls can ask the viewer to do; implemented by the app, called by toolbar, panels and keys. */
import type { Colormap } from '../../../protocol/viewer';
import type { Tool } from '../persist';

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
}
