/** A plain SVG bar chart: one bar per value, labelled axis ends, the values as a title per bar. */
export function BarChart({ title, bars, unit, ends, height = 140 }: { title: string; bars: { label: string; value: number }[]; unit: string; ends?: [string, string]; height?: number }) {
  const width = 640;
  const highest = Math.max(0, ...bars.map((b) => b.value));
  const max = Math.max(1, highest);
  const gap = 2;
  const barWidth = bars.length ? (width - gap * bars.length) / bars.length : 0;
  const total = bars.reduce((sum, b) => sum + b.value, 0);
  return (
    <figure className="chart">
      <figcaption>
        {title} <span className="muted">({total.toLocaleString('en-US')} {total === 1 ? unit.replace(/s$/, '') : unit} in all{total > 0 ? `, highest ${highest.toLocaleString('en-US')}` : ''})</span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height + 18}`} role="img" aria-label={`${title}: ${total} ${unit}`}>
        <line x1="0" y1={height} x2={width} y2={height} className="axis" />
        {bars.map((b, i) => {
          const h = (b.value / max) * (height - 4);
          return (
            <rect key={`${b.label}-${i}`} x={i * (barWidth + gap)} y={height - h} width={barWidth} height={h} className="bar">
              <title>{`${b.label}: ${b.value.toLocaleString('en-US')} ${unit}`}</title>
            </rect>
          );
        })}
        {bars.length > 0 && (
          <>
            <text x="0" y={height + 14} className="tick">
              {ends?.[0] ?? bars[0]!.label}
            </text>
            <text x={width} y={height + 14} className="tick" textAnchor="end">
              {ends?.[1] ?? bars.at(-1)!.label}
            </text>
          </>
        )}
      </svg>
    </figure>
  );
}

/** Horizontal bars, one labelled row per key (testers, models): for categories rather than time. */
export function RowChart({ title, rows, unit }: { title: string; rows: { label: string; value: number }[]; unit: string }) {
  const width = 640;
  const labelWidth = 220;
  const rowHeight = 22;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const total = rows.reduce((sum, r) => sum + r.value, 0);
  return (
    <figure className="chart">
      <figcaption>
        {title} <span className="muted">({total.toLocaleString('en-US')} {unit} in all)</span>
      </figcaption>
      {rows.length === 0 ? (
        <p className="muted">Nothing in this period.</p>
      ) : (
        <svg viewBox={`0 0 ${width} ${rows.length * rowHeight}`} role="img" aria-label={`${title}: ${total} ${unit}`} className="rows">
          {rows.map((r, i) => {
            const w = ((width - labelWidth - 90) * r.value) / max;
            return (
              <g key={r.label} transform={`translate(0 ${i * rowHeight})`}>
                <text x={labelWidth - 8} y={15} textAnchor="end" className="tick">
                  {r.label.length > 34 ? `${r.label.slice(0, 33)}…` : r.label}
                </text>
                <rect x={labelWidth} y={4} width={Math.max(w, r.value > 0 ? 1 : 0)} height={rowHeight - 8} className="bar" />
                <text x={labelWidth + w + 6} y={15} className="tick">
                  {r.value.toLocaleString('en-US')}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}
