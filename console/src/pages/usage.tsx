import { useState } from 'react';
import type { ConsoleUsage } from '../../../protocol/schemas/console.js';
import { BarChart, RowChart } from '../components/bar-chart.js';
import { when } from '../components/format.js';
import { reloadOnChange, useRead } from '../live.js';

type Period = '24h' | '7d' | '30d';
type By = ConsoleUsage['by'];

export function UsagePage() {
  const [since, setSince] = useState<Period>('7d');
  const [by, setBy] = useState<By>('tester');
  const query = `since=${since}&by=${by}`;
  const { data, error } = useRead<ConsoleUsage>(`/api/usage?${query}`, reloadOnChange);
  return (
    <section>
      <h1>Usage</h1>
      <div className="toolbar">
        <label className="field inline">
          Period
          <select value={since} onChange={(e) => setSince(e.target.value as Period)}>
            <option value="24h">last 24 hours</option>
            <option value="7d">last 7 days</option>
            <option value="30d">last 30 days</option>
          </select>
        </label>
        <label className="field inline">
          Per
          <select value={by} onChange={(e) => setBy(e.target.value as By)}>
            <option value="tester">tester</option>
            <option value="model">model</option>
            <option value="day">day</option>
            <option value="device">device</option>
          </select>
        </label>
        <a className="button" href={`/api/usage.csv?${query}`} download>
          Export CSV
        </a>
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {data && (
        <>
          <p className="muted small">Since {when(data.since)}; the same figures as "airlock-gateway usage".</p>
          <div className="panel">
            {by === 'day' ? (
              <BarChart title="Tokens per day" unit="tokens" bars={data.rows.map((r) => ({ label: r.key, value: r.promptTokens + r.completionTokens }))} />
            ) : (
              <RowChart title={`Tokens per ${by}${data.rows.length > 25 ? ' (the 25 largest)' : ''}`} unit="tokens" rows={data.rows.slice(0, 25).map((r) => ({ label: r.key, value: r.promptTokens + r.completionTokens }))} />
            )}
          </div>
          <table className="list">
            <thead>
              <tr>
                <th>{by}</th>
                <th className="num">Requests</th>
                <th className="num">Prompt tokens</th>
                <th className="num">Completion tokens</th>
                <th className="num">Refused</th>
                <th className="num">Cut</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={r.key}>
                  <td>{r.key}</td>
                  <td className="num">{r.requests.toLocaleString('en-US')}</td>
                  <td className="num">{r.promptTokens.toLocaleString('en-US')}</td>
                  <td className="num">{r.completionTokens.toLocaleString('en-US')}</td>
                  <td className="num">{r.refusals.toLocaleString('en-US')}</td>
                  <td className="num">{r.cut.toLocaleString('en-US')}</td>
                </tr>
              ))}
              {data.rows.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted">
                    No model calls in this period.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
