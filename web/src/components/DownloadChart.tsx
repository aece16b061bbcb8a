// A package's or an artifact's downloads over time: a bar chart drawn as plain SVG (a chart library would
// be most of the page's script for a handful of rectangles). Sizes and colours are attributes
// and CSS classes only: the UI's CSP forbids inline styles. The same numbers are in a
// visually-hidden table for screen readers, and the chart itself is one labelled image.
import { useState } from 'preact/hooks';
import { formatExactCount, formatQuantity } from '../format';
import { ArtifactDownloadStatsQuery, DownloadStatsQuery } from '../graphql/operations/catalog';
import type { VariablesOf } from '../graphql/tada';
import { useQuery } from '../graphql/useQuery';

type Granularity = VariablesOf<typeof DownloadStatsQuery>['granularity'];

/** What each switch shows: the period and how far back it reaches (the server's default for
 * DAY: the last 30 days, today included). */
const RANGES: { granularity: Granularity; label: string; daysBack: number | null }[] = [
  { granularity: 'DAY', label: '30 days', daysBack: null },
  { granularity: 'WEEK', label: '12 weeks', daysBack: 7 * 12 - 1 },
  { granularity: 'MONTH', label: '12 months', daysBack: 364 },
];

const CHART_WIDTH = 600;
const CHART_HEIGHT = 180;
const BAR_GAP = 2;

function daysAgo(days: number): string {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() - days);
  return date.toISOString().slice(0, 10);
}

function periodLabel(start: string, granularity: Granularity): string {
  if (granularity === 'MONTH') return start.slice(0, 7);
  if (granularity === 'WEEK') return `week of ${start}`;
  return start;
}

/** Whose downloads: a package's (downloadStats) or all builds of an artifact
 * (artifact.downloadStats); the two answers have the same shape. */
export type ChartSubject = 'package' | 'artifact';

export function DownloadChart({ name, subject = 'package' }: { name: string; subject?: ChartSubject }) {
  const [range, setRange] = useState(RANGES[0]);
  const from = range.daysBack === null ? null : daysAgo(range.daysBack);
  // Both hooks run (hooks may not be conditional); the one for the other subject is skipped.
  const packageResult = useQuery(
    DownloadStatsQuery,
    { package: name, from, granularity: range.granularity },
    { skip: subject !== 'package' },
  );
  const artifactResult = useQuery(
    ArtifactDownloadStatsQuery,
    { name, from, granularity: range.granularity },
    { skip: subject !== 'artifact' },
  );
  const result = subject === 'package' ? packageResult : artifactResult;
  const stats = subject === 'package' ? packageResult.data?.downloadStats : artifactResult.data?.artifact?.downloadStats;
  const periods = stats?.periods ?? [];
  const most = Math.max(1, ...periods.map((p) => p.downloads));
  const slot = periods.length ? CHART_WIDTH / periods.length : CHART_WIDTH;
  const summary = stats
    ? `${formatQuantity(stats.total, 'download')} from ${stats.from} to ${stats.to}, at most ${formatExactCount(Math.max(0, ...periods.map((p) => p.downloads)))} in one ${range.granularity.toLowerCase()}`
    : '';
  return (
    <section class="download-chart" aria-labelledby="downloads-chart-heading">
      <div class="chart-head">
        <h2 id="downloads-chart-heading">Downloads</h2>
        <div class="chart-switch" role="group" aria-label="Period">
          {RANGES.map((r) => (
            <button
              key={r.granularity}
              type="button"
              class="button button-small"
              aria-pressed={r === range}
              onClick={() => setRange(r)}
            >
              {r.label}
            </button>
          ))}
        </div>
      </div>
      {result.status === 'loading' && <p class="muted chart-placeholder">Loading downloads…</p>}
      {result.status === 'error' && <p class="muted chart-placeholder">Download numbers are not available right now.</p>}
      {stats && (
        <>
          <p class="chart-total">
            <strong>{formatExactCount(stats.total)}</strong> <span class="muted">in the last {range.label}</span>
          </p>
          <svg
            class="chart"
            viewBox={`0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`}
            role="img"
            aria-label={summary}
            data-periods={periods.length}
          >
            {periods.map((p, index) => {
              const height = p.downloads ? Math.max(2, (p.downloads / most) * (CHART_HEIGHT - 4)) : 0;
              return (
                <rect
                  key={p.start}
                  class="chart-bar"
                  x={index * slot + BAR_GAP / 2}
                  y={CHART_HEIGHT - 1 - height}
                  width={Math.max(1, slot - BAR_GAP)}
                  height={height}
                  data-downloads={p.downloads}
                >
                  <title>
                    {periodLabel(p.start, range.granularity)}: {formatExactCount(p.downloads)}
                  </title>
                </rect>
              );
            })}
            <line class="chart-axis" x1={0} x2={CHART_WIDTH} y1={CHART_HEIGHT - 0.5} y2={CHART_HEIGHT - 0.5} />
          </svg>
          <p class="chart-range muted" aria-hidden="true">
            <span>{stats.from}</span>
            <span>{stats.to}</span>
          </p>
          <table class="visually-hidden">
            <caption>Downloads per {range.granularity.toLowerCase()}</caption>
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">Downloads</th>
              </tr>
            </thead>
            <tbody>
              {periods.map((p) => (
                <tr key={p.start}>
                  <td>{periodLabel(p.start, range.granularity)}</td>
                  <td>{p.downloads}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
