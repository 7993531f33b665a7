/** A plain SVG bar chart: one bar per value, labelled axis ends, the values as a title per bar. */
export function BarChart({ title, bars, unit, height = 140 }: { title: string; bars: { label: string; value: number }[]; unit: string; height?: number }) {
  const width = 640;
  const highest = Math.max(0, ...bars.map((b) => b.value));
  const max = Math.max(1, highest);
  const gap = 2;
  const barWidth = bars.length ? (width - gap * bars.length) / bars.length : 0;
  const total = bars.reduce((sum, b) => sum + b.value, 0);
  return (
    <figure className="chart">
      <figcaption>
        {title} <span className="muted">({total.toLocaleString()} {unit} in all{total > 0 ? `, highest ${highest.toLocaleString()}` : ''})</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height + 18}`} role="img" aria-label={`${title}: ${total} ${unit}`}>
        <line x1="0" y1={height} x2={width} y2={height} className="axis" />
        {bars.map((b, i) => {
          const h = (b.value / max) * (height - 4);
          return (
            <rect key={`${b.label}-${i}`} x={i * (barWidth + gap)} y={height - h} width={barWidth} height={h} className="bar">
              <title>{`${b.label}: ${b.value.toLocaleString()} ${unit}`}</title>
            </rect>
          );
        })}
        {bars.length > 0 && (
          <>
            <text x="0" y={height + 14} className="tick">
              {bars[0]!.label}
            </text>
            <text x={width} y={height + 14} className="tick" textAnchor="end">
              {bars.at(-1)!.label}
            </text>
          </>
        )}
      </svg>
    </figure>
  );
}
