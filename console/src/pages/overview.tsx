import type { ConsoleOverview } from '../../../protocol/schemas/console.js';
import { BarChart } from '../components/bar-chart.js';
import { hourOf, shortHash, when } from '../components/format.js';
import { useRead } from '../live.js';
import { hrefOf } from '../route.js';

export function OverviewPage() {
  const { data, error } = useRead<ConsoleOverview>('/api/overview');
  return (
    <section>
      <h1>Overview</h1>
      <p className="lead">The gateway now, and the last 24 hours.</p>
      {error && <p role="alert" className="error">{error}</p>}
      {data && (
        <>
          <div className="cards">
            <Card label="Devices connected now" value={data.connectedDevices} testId="connected-devices" />
            <Card label="Model streams open" value={data.openStreams} testId="open-streams" />
            <Card label="Event channels open" value={data.openChannels} />
            <Card label="Active devices" value={data.devices.active} note={`${data.devices.revoked} revoked`} />
            <Card label="Testers" value={data.testers} />
          </div>
          <div className="panel">
            <div className="two">
              <BarChart title="Requests per hour" unit="requests" ends={HOURS_AXIS} bars={data.hours.map((h) => ({ label: `${hourOf(h.start)} UTC`, value: h.requests }))} />
              <BarChart title="Tokens per hour" unit="tokens" ends={HOURS_AXIS} bars={data.hours.map((h) => ({ label: `${hourOf(h.start)} UTC`, value: h.tokens }))} />
            </div>
          </div>
          <div className="panel">
            <h2>Connected now</h2>
            {data.connected.length === 0 ? (
              <p className="muted">No device is connected.</p>
            ) : (
              <table className="list" data-testid="connected-table">
                <thead>
                  <tr>
                    <th>Tester</th>
                    <th>Device</th>
                    <th>App</th>
                    <th>Since</th>
                    <th className="num">Channels</th>
                    <th className="num">Streams</th>
                    <th className="num">Requests, last hour</th>
                    <th className="num">Tokens, last hour</th>
                  </tr>
                </thead>
                <tbody>
                  {data.connected.map((c) => (
                    <tr key={c.deviceId}>
                      <td>{c.tester}</td>
                      <td className="mono">
                        <a href={hrefOf({ page: 'device', id: c.deviceId })}>{c.deviceId}</a>
                      </td>
                      <td>
                        {c.platform} {c.appVersion}
                        {c.buildId === 'dev' ? ' (dev build)' : ''}
                      </td>
                      <td className="when">{when(c.since)}</td>
                      <td className="num">{c.events}</td>
                      <td className="num">{c.streams}</td>
                      <td className="num">{c.requestsLastHour.toLocaleString('en-US')}</td>
                      <td className="num">{c.tokensLastHour.toLocaleString('en-US')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {data.connected.length < data.connectedDevices && <p className="muted small">The first {data.connected.length} of {data.connectedDevices}, longest connected first.</p>}
          </div>
          <div className="two">
            <div className="panel">
              <h2>Refusals by code, 24 h</h2>
              {data.refusals.length === 0 ? (
                <p className="muted">No refusals.</p>
              ) : (
                <table>
                  <tbody>
                    {data.refusals.map((r) => (
                      <tr key={r.code}>
                        <td className="mono">{r.code}</td>
                        <td className="num">{r.count.toLocaleString('en-US')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
            <div className="panel">
              <h2>Audit chain</h2>
              {data.audit.head ? (
                <p>
                  Head: entry <strong>{data.audit.head.seq}</strong> at {when(data.audit.head.time)}, hash <span className="mono">{shortHash(data.audit.head.hash)}</span>
                </p>
              ) : (
                <p className="muted">The log is empty.</p>
              )}
              {data.audit.lastVerify ? (
                <p data-testid="last-verify">
                  Last verify ({when(data.audit.lastVerify.at)}):{' '}
                  {data.audit.lastVerify.ok ? <span className="ok">verifies, {data.audit.lastVerify.entries.toLocaleString('en-US')} entries</span> : <span className="bad">entry {data.audit.lastVerify.firstBad} is bad</span>}
                </p>
              ) : (
                <p className="muted">Not verified since the gateway started. Verify it from the Audit log page.</p>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}

function Card({ label, value, note, testId }: { label: string; value: number; note?: string; testId?: string }) {
  return (
    <div className="card">
      <div className="value" data-testid={testId}>
        {value.toLocaleString('en-US')}
      </div>
      <div className="label">{label}</div>
      {note && <div className="muted small">{note}</div>}
    </div>
  );
}

const HOURS_AXIS: [string, string] = ['24 hours ago', 'this hour'];
