// Parse Mermaid diagrams with Mermaid's own parser, offline, in one Node process.
//
// stdin:  a JSON array of diagram texts
// stdout: a JSON array, one entry per diagram: null when it parses, else the parser's message
//
// Mermaid needs a DOM even to parse (DOMPurify hooks), so a jsdom window goes on globalThis
// before mermaid is imported. Nothing here touches the network.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ["DOMParser", "Element", "HTMLElement", "Node", "DocumentFragment", "SVGElement", "MutationObserver"]) {
  if (globalThis[name] === undefined && dom.window[name] !== undefined) globalThis[name] = dom.window[name];
}

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const diagrams = JSON.parse(await readStdin());
if (!Array.isArray(diagrams) || diagrams.some((d) => typeof d !== "string")) {
  process.stderr.write("parse.mjs: stdin must be a JSON array of strings\n");
  process.exit(2);
}

const results = [];
for (const text of diagrams) {
  try {
    const ok = await mermaid.parse(text);
    // parse() returns false only with suppressErrors; treat anything falsy as a failure.
    results.push(ok ? null : "mermaid.parse returned false");
  } catch (err) {
    const message = (err && (err.message || err.str)) || String(err);
    results.push(String(message).trim() || "unknown parse error");
  }
}
process.stdout.write(JSON.stringify(results));
