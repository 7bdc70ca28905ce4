/**
 * Localisation of the extension's user-facing text. Modules that import `vscode` call `vscode.l10n.t`;
 * the ones kept free of it for plain-Node unit tests (fit/plan.ts, viewer/tagMasking.ts) call `l10n.t`
 * from here, which formats the English text the same way until activation hands it VS Code's.
 * Every literal passed to either ends up in l10n/bundle.l10n.json (`npm run l10n`; a unit test checks it).
 *
 * What stays English on purpose: the log (it is for support and bug reports), and the messages of the
 * engine and core (`XrayError` text: they run without VS Code and also serve the CLI). Where such a message
 * reaches the user, the extension's own framing around it ("Fitting "{0}" failed: {1}") is localised.
 */
type Arg = string | number | boolean;
type Translate = (message: string, ...args: Arg[]) => string;

let translate: Translate | undefined;

export const l10n = {
  t(message: string, ...args: Arg[]): string {
    return translate ? translate(message, ...args) : format(message, args);
  },
};

/** Called once at activation with `vscode.l10n.t`. */
export function useTranslator(t: Translate): void {
  translate = t;
}

/** `{0}`, `{1}`... replaced by the arguments, as vscode.l10n.t does. */
export function format(message: string, args: readonly Arg[]): string {
  return message.replace(/\{(\d+)\}/g, (whole, i: string) =>
    Number(i) < args.length ? String(args[Number(i)]) : whole,
  );
}
