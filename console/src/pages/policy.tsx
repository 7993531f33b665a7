import type { ConsolePolicy } from '../../../protocol/schemas/console.js';
import { reloadOnChange, useRead } from '../live.js';

export function PolicyPage() {
  const { data, error } = useRead<ConsolePolicy>('/api/policy', reloadOnChange);
  return (
    <section>
      <h1>Policy</h1>
      <p className="lead">The policy in force, read-only. To change it, edit the file and run "airlock-gateway policy reload" on the gateway host.</p>
      {error && <p role="alert" className="error">{error}</p>}
      {data && (
        <div className="panel">
          <p>
            Source: <span className="mono">{data.source}</span>
          </p>
          <pre className="policy">{JSON.stringify(data.policy, null, 2)}</pre>
        </div>
      )}
    </section>
  );
}
