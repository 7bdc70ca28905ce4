/** The workbench theme's colours, read from the CSS variables VS Code puts on the page; charts redraw when they change. */
export interface ChartTheme {
  foreground: string;
  muted: string;
  grid: string;
  bars: string;
  normal: string;
  anomalous: string;
  threshold: string;
  curve: string;
  font: string;
}

export function readTheme(): ChartTheme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const fg = v('--vscode-foreground', '#cccccc');
  return {
    foreground: fg,
    muted: v('--vscode-descriptionForeground', fg),
    grid: v('--vscode-editorWidget-border', v('--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    bars: v('--vscode-charts-blue', '#3794ff'),
    normal: v('--vscode-charts-green', '#89d185'),
    anomalous: v('--vscode-charts-red', '#f14c4c'),
    threshold: v('--vscode-charts-orange', '#d18616'),
    curve: v('--vscode-charts-blue', '#3794ff'),
    font: `${v('--vscode-font-size', '12px')} ${v('--vscode-font-family', 'sans-serif')}`,
  };
}

/** Calls `changed` when VS Code switches the theme (it rewrites the body's class and style). */
export function onThemeChange(changed: () => void): () => void {
  const o = new MutationObserver(changed);
  o.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
  return () => o.disconnect();
}

/** Colour with alpha, for fills (theme colours come as #rrggbb or #rrggbbaa). */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(color);
  if (!m) return color;
  const n = parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** The theme's kind, from the class VS Code puts on the body. */
export function themeKind(): 'light' | 'dark' | 'high-contrast' {
  const c = document.body.classList;
  return c.contains('vscode-high-contrast') || c.contains('vscode-high-contrast-light')
    ? 'high-contrast'
    : c.contains('vscode-light')
      ? 'light'
      : 'dark';
}
