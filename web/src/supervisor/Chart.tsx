// A chart over the day with uPlot (small, fast, canvas): one x axis of hours,
// a few series. Rebuilt when the data or the size changes.

import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Series {
  label: string;
  values: Array<number | null>;
  stroke: string;
  bars?: boolean;
}

export function Chart(props: { id: string; title: string; xLabel: string; xs: number[]; series: Series[] }) {
  const box = useRef<HTMLDivElement>(null);
  const key = JSON.stringify([props.xs, props.series]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth);
    const data: uPlot.AlignedData = [props.xs, ...props.series.map((s) => s.values)];
    const plot = new uPlot(
      {
        width,
        height: 200,
        series: [
          { label: props.xLabel },
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: 2,
            fill: s.bars ? `${s.stroke}33` : undefined,
            paths: s.bars ? uPlot.paths.bars?.({ size: [0.6, 40] }) : undefined,
            spanGaps: true,
          })),
        ],
        // The x values are Unix seconds: uPlot's time axis puts its ticks on the hours.
        scales: { x: { time: true } },
        legend: { show: true },
      },
      data,
      el,
    );
    // Follow the card's width (a window resized, a phone turned).
    const resize = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height: 200 });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [key]);
  return <div class="chart" id={props.id} ref={box} role="img" aria-label={props.title} />;
}
