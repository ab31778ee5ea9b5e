import type { TopLevelSpec } from "vega-lite";
import { renderSvg, variantColors } from "./vega.js";

/** Units first exposed on one day to one variant. */
export interface ExposureBar {
  readonly day: string;
  readonly variant: string;
  readonly units: number;
}

/** New units per day per variant, as grouped bars: a split drifting from the weights shows at a glance. */
export async function exposuresChart(
  control: string,
  bars: readonly ExposureBar[],
  variants: readonly string[],
  width: number,
): Promise<string> {
  const colors = variantColors(control, variants);
  const spec: TopLevelSpec = {
    width,
    height: 180,
    data: { values: bars },
    mark: { type: "bar", cornerRadiusEnd: 1 },
    encoding: {
      x: {
        field: "day",
        type: "ordinal",
        axis: {
          title: null,
          labelAngle: 0,
          labelExpr: "utcFormat(toDate(datum.value), '%b %d')",
          labelOverlap: true,
        },
      },
      xOffset: { field: "variant", type: "nominal", sort: colors.domain },
      y: { field: "units", type: "quantitative", axis: { title: "new units", format: "~s" } },
      color: { field: "variant", type: "nominal", scale: colors, legend: { title: null } },
    },
  };
  return renderSvg(spec, "units exposed per day, per variant");
}
