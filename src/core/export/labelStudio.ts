/**
 * Label Studio tasks with predictions (its "Basic Label Studio JSON format", guide/predictions): one task
 * per image, `data.image` the image as Label Studio's local file storage serves it, and one prediction per
 * model with `model_version`, `score` (the normalised anomaly score, so tasks sort by it in the Data
 * Manager) and a `choices` result (abnormal when flagged at the panel's threshold, else normal). The
 * labelling config that goes with it is LABEL_STUDIO_CONFIG. Scores of images a model could not read are
 * left out of that model's predictions.
 */
import type { ExportData } from './records';

export const LABEL_STUDIO_CONFIG = `<View>
  <Image name="image" value="$image" zoom="true"/>
  <Choices name="label" toName="image" choice="single" showInline="true">
    <Choice value="normal"/>
    <Choice value="abnormal"/>
    <Choice value="unsure"/>
  </Choices>
  <TextArea name="note" toName="image" editable="true" rows="2"/>
</View>`;

export interface LabelStudioTask {
  data: { image: string; path: string; label?: string; note?: string };
  predictions: {
    model_version: string;
    score: number;
    result: { from_name: 'label'; to_name: 'image'; type: 'choices'; value: { choices: string[] } }[];
  }[];
}

/** `image` of a task: a local-files URL under Label Studio's document root (the workspace folder). */
export function labelStudioImageUrl(workspacePath: string): string {
  return `/data/local-files/?d=${encodeURIComponent(workspacePath).replace(/%2F/g, '/')}`;
}

export function exportLabelStudio(d: ExportData): LabelStudioTask[] {
  return d.records.map((r) => {
    const ws = d.rootInWorkspace ? `${d.rootInWorkspace}/${r.path}` : r.path;
    return {
      data: {
        image: labelStudioImageUrl(ws),
        path: ws,
        ...(r.label ? { label: r.label } : {}),
        ...(r.note ? { note: r.note } : {}),
      },
      predictions: d.models.flatMap((m, i) => {
        const s = r.scores[i];
        if (s.normalized === undefined) return [];
        return [
          {
            model_version: `${m.id}@${m.version}`,
            score: s.normalized,
            result: [
              {
                from_name: 'label' as const,
                to_name: 'image' as const,
                type: 'choices' as const,
                value: { choices: [s.flagged ? 'abnormal' : 'normal'] },
              },
            ],
          },
        ];
      }),
    };
  });
}
