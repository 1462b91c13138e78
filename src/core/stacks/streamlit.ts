/**
 * The `streamlit` stack: a Streamlit data app (app.py; pandas and altair pinned with it) served on `$PORT` behind the
 * preview. The scaffold is ours: requirements.txt with exact versions, `.streamlit/config.toml` (headless, no
 * telemetry, CORS/XSRF off so the page and its websocket `/_stcore/stream` work through the local forwarder, E2B's
 * edge and the editor's webview; a save reruns the script, which Streamlit pushes over its websocket).
 */
import type { AppSpecOf } from '../base/appSpec';
import { pythonApp, pythonPromptRules, withPythonScaffold } from './python';
import type { Stack } from './types';

/** Exact versions the pip index configured here serves (checked with `pip download … --no-deps`). */
export const STREAMLIT_PACKAGES: Readonly<Record<string, string>> = { streamlit: '1.64.0', pandas: '3.0.6', altair: '6.3.0' };

/** Extras a streamlit app may declare (any other is refused by the validator). */
const ALLOWED_EXTRAS = ['numpy', 'plotly', 'matplotlib', 'scipy', 'pydeck', 'requests', 'openpyxl', 'python-dateutil', 'tzdata'];

/** Where the runner says ($HOST, $PORT); every other setting is the scaffold's config file. */
export const STREAMLIT_START = 'python3 -m streamlit run app.py --server.address "${HOST:-127.0.0.1}" --server.port "${PORT:-3000}"';

/**
 * Served through a forwarder (locally) or E2B's https edge, inside an iframe: no CORS or XSRF check (the page's origin
 * is the sandbox's own URL, which the editor's webview frames; the XSRF cookie does not survive a third-party iframe),
 * headless, no usage statistics, and a rerun on save. The file watcher watches the app's own modules only.
 */
export const STREAMLIT_CONFIG = `# Fixed by Spawn App (the scaffold rewrites this file).
[server]
headless = true
enableCORS = false
enableXsrfProtection = false
runOnSave = true
fileWatcherType = "auto"
folderWatchBlacklist = [".data"]

[browser]
gatherUsageStats = false

[global]
developmentMode = false

[client]
toolbarMode = "minimal"
`;

const SALES_CSV = `month,region,sales
2026-01,North,120
2026-01,South,95
2026-02,North,132
2026-02,South,101
2026-03,North,128
2026-03,South,118
2026-04,North,141
2026-04,South,125
2026-05,North,150
2026-05,South,139
2026-06,North,163
2026-06,South,144
`;

const CHART_APP = `"""Monthly sales by region, from a small bundled CSV (data/sales.csv)."""
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

st.set_page_config(page_title="Sales chart", layout="centered")
st.title("Monthly sales")

df = pd.read_csv(Path(__file__).parent / "data" / "sales.csv")
regions = st.multiselect("Regions", sorted(df["region"].unique()), default=sorted(df["region"].unique()))
shown = df[df["region"].isin(regions)]

chart = (
    alt.Chart(shown)
    .mark_line(point=True)
    .encode(x=alt.X("month:N", title="Month"), y=alt.Y("sales:Q", title="Sales"), color="region:N")
)
st.altair_chart(chart, use_container_width=True)

col1, col2 = st.columns(2)
col1.metric("Total", int(shown["sales"].sum()))
col2.metric("Best month", shown.groupby("month")["sales"].sum().idxmax() if len(shown) else "-")
st.dataframe(shown, hide_index=True)
`;

const PLACEHOLDER = `import streamlit as st

st.write("Spawn App: waiting for the app…")
`;

const scaffold = { packages: STREAMLIT_PACKAGES, files: [{ path: '.streamlit/config.toml', content: STREAMLIT_CONFIG }], startCommand: STREAMLIT_START, port: 3000 };

export const streamlit: Stack<'streamlit'> = {
  id: 'streamlit',
  label: 'Streamlit app',
  icon: 'graph-line',
  description: 'Streamlit data app (pandas, altair), reruns on save',
  example: 'a chart of monthly sales by region',
  prompt:
    'A Streamlit data app in Python 3.11 (app.py) using pandas and altair for data and charts; bundle small data ' +
    'files (CSV) beside it and read them relative to __file__. ' + pythonPromptRules(['.streamlit/config.toml'], ALLOWED_EXTRAS),
  guess: { keywords: /\b(streamlit|data app|dashboard in python|python dashboard)\b/, rank: 0 },
  ecosystem: 'pip',
  mainFiles: ['app.py'],
  template(): AppSpecOf<'streamlit'> {
    return pythonApp('streamlit', scaffold, {
      files: [
        { path: 'app.py', content: CHART_APP },
        { path: 'data/sales.csv', content: SALES_CSV },
      ],
      title: 'Sales chart',
      description: 'A Streamlit chart of a small bundled CSV (built-in template).',
      checks: [{ method: 'GET', path: '/_stcore/health', status: 200 }],
    });
  },
  scaffold: (spec) => withPythonScaffold(spec, scaffold),
  packages: STREAMLIT_PACKAGES,
  allowedExtras: ALLOWED_EXTRAS,
  requiredFiles: ['app.py'],
  // Streamlit reruns the script on a save and pushes the new page over its websocket: the preview must not reload.
  hotReload: true,
  // Only its config and requirements restart the server; app code is rerun by Streamlit itself.
  serverFile: (p) => p === 'requirements.txt' || p.startsWith('.streamlit/'),
  e2b: {
    alias: 'spawn-app-streamlit',
    baseline: pythonApp('streamlit', scaffold, { files: [{ path: 'app.py', content: PLACEHOLDER }], title: 'Spawn App' }),
  },
};
