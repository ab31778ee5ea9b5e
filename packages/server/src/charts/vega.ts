import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** The dashboard's look: system fonts, quiet greys for structure, colour only for the data. */
export const CHART_CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  background: "transparent",
  view: { stroke: null },
  axis: {
    labelColor: "#4b5563",
    titleColor: "#374151",
    labelFontSize: 11,
    titleFontSize: 11,
    titleFontWeight: 500,
    gridColor: "#eef0f3",
    domainColor: "#9ca3af",
    tickColor: "#9ca3af",
  },
  legend: {
    labelColor: "#374151",
    titleColor: "#374151",
    labelFontSize: 11,
    titleFontSize: 11,
    orient: "top",
  },
  header: { labelColor: "#374151" },
} as const;

/** Variant colours: control in grey, treatments in hues that stay apart for the common colour blindnesses. */
export const CONTROL_COLOR = "#6b7280";
export const TREATMENT_COLORS = ["#2563eb", "#d97706", "#7c3aed", "#0f766e", "#db2777", "#65a30d"];

/** The colour of each variant, control first. */
export function variantColors(
  control: string,
  variants: readonly string[],
): { domain: string[]; range: string[] } {
  const treatments = variants.filter((v) => v !== control);
  return {
    domain: [control, ...treatments],
    range: [
      CONTROL_COLOR,
      ...treatments.map((_, i) => TREATMENT_COLORS[i % TREATMENT_COLORS.length] ?? CONTROL_COLOR),
    ],
  };
}

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string on the server, so a page needs no script to
 * show its charts. `title` becomes the SVG's accessible name.
 */
export async function renderSvg(spec: TopLevelSpec, title: string): Promise<string> {
  const compiled = compile({ ...spec, config: CHART_CONFIG } as TopLevelSpec).spec;
  const view = new View(parse(compiled), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return svg.replace("<svg ", `<svg role="img" aria-label="${escapeAttribute(title)}" `);
  } finally {
    view.finalize();
  }
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
