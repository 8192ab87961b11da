// Builds plotly-charts.min.js: plotly.js 4.1.1 with only the trace types the charts draw.
// In an empty folder, with Node 20 or later (static/plotly/README.md has the sha256 to expect):
//     cp static/plotly/package.json static/plotly/build.mjs /tmp/plotly-build/ && cd /tmp/plotly-build
//     npm install && npm run build
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const TRACES = ["scatter", "bar", "box", "heatmap"];
// Both packages from the folder it runs in, wherever this script lies.
const require = createRequire(`${process.cwd()}/`);
const { build } = require("esbuild");
const { version } = JSON.parse(readFileSync(require.resolve("plotly.js/package.json"), "utf8"));

await build({
  stdin: {
    contents: [
      "var Plotly = require('plotly.js/lib/core');",
      `Plotly.register([${TRACES.map((name) => `require('plotly.js/lib/${name}')`).join(", ")}]);`,
      "module.exports = Plotly;",
    ].join("\n"),
    resolveDir: process.cwd(),
  },
  outfile: "plotly-charts.min.js",
  bundle: true,
  format: "iife",
  globalName: "Plotly", // a classic script: sets window.Plotly
  minify: true,
  target: "es2016",
  // As plotly.js's own dist build defines them. maplibre's stylesheet is required
  // only for map traces, which this bundle leaves out.
  define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
  loader: { ".css": "empty" },
  banner: {
    js: `/**\n* plotly.js (${TRACES.join(", ")} - minified) v${version}\n`
      + "* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license\n*/",
  },
  legalComments: "eof",
});
