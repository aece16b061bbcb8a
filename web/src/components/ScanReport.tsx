// A version's security scan report (domain/scanning/scan_report.py's `to_dict`), for its owners
// and admins: the verdict and the rule that fired first, then the measurements.
import { formatBytes } from '../format';

type Report = Record<string, unknown>;

function asReport(value: unknown): Report | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Report) : null;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value == null ? '' : String(value);
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function ScanReport({ report, label = 'Scan report' }: { report: unknown; label?: string }) {
  const r = asReport(report);
  if (!r) return <p class="muted">No scan report yet.</p>;
  const verdict = text(r.verdict) || 'unknown';
  const warnings = Array.isArray(r.warnings) ? r.warnings.map(text) : [];
  const types = asReport(r.detected_types);
  const size = num(r.total_uncompressed);
  const compressed = num(r.compressed_size);
  const duration = num(r.duration_ms);
  return (
    <section class={`scan-report scan-${verdict}`} aria-label={label}>
      <dl class="facts">
        <dt>Verdict</dt>
        <dd>
          <strong class="scan-verdict">{verdict}</strong>
        </dd>
        {text(r.rule) && (
          <>
            <dt>Rule</dt>
            <dd>
              <code>{text(r.rule)}</code>
            </dd>
          </>
        )}
        {text(r.entry) && (
          <>
            <dt>Entry</dt>
            <dd>
              <code>{text(r.entry)}</code>
            </dd>
          </>
        )}
        {text(r.message) && (
          <>
            <dt>Finding</dt>
            <dd class="scan-message">{text(r.message)}</dd>
          </>
        )}
        {num(r.entry_count) !== null && (
          <>
            <dt>Entries</dt>
            <dd>{num(r.entry_count)}</dd>
          </>
        )}
        {size !== null && (
          <>
            <dt>Uncompressed</dt>
            <dd>{formatBytes(size)}</dd>
          </>
        )}
        {compressed !== null && (
          <>
            <dt>Compressed</dt>
            <dd>{formatBytes(compressed)}</dd>
          </>
        )}
        {num(r.max_ratio) !== null && (
          <>
            <dt>Highest ratio</dt>
            <dd>{num(r.max_ratio)}</dd>
          </>
        )}
        {duration !== null && (
          <>
            <dt>Scan time</dt>
            <dd>{Math.round(duration)} ms</dd>
          </>
        )}
      </dl>
      {types && Object.keys(types).length > 0 && (
        <details>
          <summary>Detected file types</summary>
          <ul class="plain-list">
            {Object.entries(types).map(([entry, kind]) => (
              <li key={entry}>
                <code>{entry}</code>: {text(kind)}
              </li>
            ))}
          </ul>
        </details>
      )}
      {warnings.length > 0 && (
        <>
          <h4>Warnings</h4>
          <ul>
            {warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
