import { ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale, Tooltip } from 'chart.js';
import { Bar, Doughnut } from 'react-chartjs-2';

// Only what the console draws, so the bundle carries no other chart types.
Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale, Tooltip);
Chart.defaults.font.family = '"Noto Sans SC", system-ui, sans-serif';
Chart.defaults.animation = false;

export const PALETTE = ['#0ca678', '#1c7ed6', '#f08c00', '#e03131', '#7048e8', '#868e96'];

/** A chart is a picture: its label says in words what it shows (screen readers, axe). */
export function DoughnutChart({ label, labels, values, format }: { label: string; labels: string[]; values: number[]; format: (n: number) => string }) {
  return (
    <div className="chart-box">
      <Doughnut
        aria-label={label}
        role="img"
        data={{ labels, datasets: [{ data: values, backgroundColor: PALETTE.slice(0, values.length) }] }}
        options={{ maintainAspectRatio: false, plugins: { tooltip: { callbacks: { label: (c) => `${c.label}: ${format(c.parsed)}` } } } }}
      />
    </div>
  );
}

export function BarChart({ label, labels, series, stacked, format }: { label: string; labels: string[]; series: { name: string; values: number[] }[]; stacked?: boolean; format?: (n: number) => string }) {
  return (
    <div className="chart-box">
      <Bar
        aria-label={label}
        role="img"
        data={{ labels, datasets: series.map((s, i) => ({ label: s.name, data: s.values, backgroundColor: PALETTE[i % PALETTE.length] })) }}
        options={{
          maintainAspectRatio: false,
          scales: { x: { stacked }, y: { stacked, beginAtZero: true, ticks: format ? { callback: (v) => format(Number(v)) } : { precision: 0 } } },
          plugins: format ? { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${format(c.parsed.y ?? 0)}` } } } : {},
        }}
      />
    </div>
  );
}
