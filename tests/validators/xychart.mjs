// Read xycharts with Mermaid's own parser, offline, and print what it understood of each.
//
// stdin:  a JSON array of xychart texts
// stdout: a JSON array, one entry per chart: {error} when it does not parse, else
//         {showLegend, title, x: {type, title, categories}, y: {type, title, min, max},
//          plots: [{type, title, values}]}
//
// parse.mjs says whether a diagram parses; this says what the parser made of a chart, so a test
// can check that its legend names every line and that a crossing is marked where it is.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ["DOMParser", "Element", "HTMLElement", "Node", "DocumentFragment", "SVGElement", "MutationObserver"]) {
  if (globalThis[name] === undefined && dom.window[name] !== undefined) globalThis[name] = dom.window[name];
}

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const charts = JSON.parse(Buffer.concat(chunks).toString("utf8"));
if (!Array.isArray(charts) || charts.some((c) => typeof c !== "string")) {
  process.stderr.write("xychart.mjs: stdin must be a JSON array of strings\n");
  process.exit(2);
}

const results = [];
for (const text of charts) {
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const data = diagram.db.getXYChartData();
    results.push({
      showLegend: Boolean(diagram.db.getChartConfig().showLegend),
      title: typeof diagram.db.getDiagramTitle === "function" ? diagram.db.getDiagramTitle() : data.title,
      x: { type: data.xAxis.type, title: data.xAxis.title, categories: data.xAxis.categories ?? null },
      y: { type: data.yAxis.type, title: data.yAxis.title, min: data.yAxis.min, max: data.yAxis.max },
      plots: data.plots.map((p) => ({ type: p.type, title: p.title ?? null, values: p.data.map((d) => d[1]) })),
    });
  } catch (err) {
    results.push({ error: String((err && (err.message || err.str)) || err) });
  }
}
process.stdout.write(JSON.stringify(results));
