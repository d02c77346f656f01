// The exports page: the same JSON API as every client, with the caller's bearer token kept in this
// tab's sessionStorage. Every value reaches the page through textContent or an SVG attribute,
// never as HTML, so a path holding <script> shows as text.
"use strict";

const TOKEN_KEY = "dataexport.token";
const POLL_MILLIS = 1000;
let pollTimer = null;
let shownDetail = null;

function $(id) { return document.getElementById(id); }

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function api(method, path) {
  const response = await fetch(path, { method, headers: { "Authorization": "Bearer " + token() } });
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (response.status === 401) {
    signOut("The server refused the token.");
    throw new Error("unauthorized");
  }
  if (!response.ok && response.status !== 202) {
    const message = body && body.exception ? body.exception.message : "HTTP " + response.status;
    throw new Error(message);
  }
  return body;
}

function number(value) { return Number(value || 0).toLocaleString("en-US"); }

function destination(job) {
  return job.bucket ? "s3://" + job.bucket + "/" + String(job.output_prefix).replace(/^\/+/, "") : job.output_prefix;
}

function elapsed(job) {
  if (!job.started_at) return job.state === "queued" ? "waiting" : "";
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  const seconds = Math.max(0, (end - Date.parse(job.started_at)) / 1000);
  return seconds < 60 ? seconds.toFixed(1) + " s" : Math.floor(seconds / 60) + " min " + Math.round(seconds % 60) + " s";
}

function progressCell(job) {
  const cell = element("td");
  const progress = job.progress || {};
  const bar = element("progress");
  bar.max = Math.max(1, progress.tasks_total || 0);
  bar.value = job.state === "succeeded" ? bar.max : (progress.tasks_done || 0);
  cell.appendChild(bar);
  cell.appendChild(element("div", "tasks " + number(progress.tasks_done) + "/" + number(progress.tasks_total)
      + " · rows " + number(progress.rows_written) + " · files " + number(progress.files_written), "hint progress-text"));
  return cell;
}

function renderList(exports) {
  const body = $("exports").querySelector("tbody");
  body.replaceChildren();
  $("no-exports").hidden = exports.length > 0;
  for (const job of exports) {
    const row = element("tr");
    row.dataset.exportId = job.export_id;
    row.appendChild(element("td", String(job.export_id).slice(0, 8), "export-id"));
    const state = element("td");
    state.appendChild(element("span", job.state, "state " + job.state));
    row.appendChild(state);
    row.appendChild(element("td", destination(job), "destination"));
    row.appendChild(progressCell(job));
    row.appendChild(element("td", elapsed(job), "elapsed"));
    const actions = element("td");
    const details = element("button", "Details", "details");
    details.type = "button";
    details.addEventListener("click", () => showDetail(job.export_id));
    actions.appendChild(details);
    if (job.state === "queued" || job.state === "running") {
      const cancel = element("button", "Cancel", "cancel");
      cancel.type = "button";
      cancel.addEventListener("click", () => cancelExport(job.export_id));
      actions.appendChild(cancel);
    }
    row.appendChild(actions);
    body.appendChild(row);
  }
  $("updated").textContent = "updated " + new Date().toLocaleTimeString();
}

async function refresh() {
  try {
    const envelope = await api("GET", "/v2/data/exports?limit=100");
    $("list-error").textContent = "";
    renderList(envelope.data.exports);
    if (shownDetail) await renderDetail(shownDetail);
  } catch (e) {
    if (token()) $("list-error").textContent = e.message;
  }
}

async function cancelExport(exportId) {
  try {
    await api("DELETE", "/v2/data/export/" + encodeURIComponent(exportId));
  } catch (e) {
    $("list-error").textContent = e.message;
  }
  refresh();
}

function field(list, name, value) {
  if (value === undefined || value === null || value === "") return;
  list.appendChild(element("dt", name));
  list.appendChild(element("dd", value));
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

// Bars of the sizes, with a line at the target: how close the layout came, at a glance.
function chart(title, sizes, target, className) {
  const box = element("div", null, className);
  box.appendChild(element("div", title, "chart-title"));
  const width = 480, height = 120, top = 8;
  const max = Math.max(target || 0, ...sizes, 1) * 1.1;
  const graphic = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img" });
  const slot = width / Math.max(sizes.length, 1);
  sizes.forEach((size, i) => {
    const barHeight = (height - top) * size / max;
    const bar = svg("rect", { x: i * slot + 1, y: height - barHeight, width: Math.max(1, slot - 2), height: barHeight, fill: "#5b8def" });
    bar.appendChild(svg("title", {})).textContent = number(size) + " bytes";
    graphic.appendChild(bar);
  });
  if (target) {
    const y = height - (height - top) * target / max;
    graphic.appendChild(svg("line", { x1: 0, x2: width, y1: y, y2: y, stroke: "#b3261e", "stroke-dasharray": "4 3" }));
  }
  box.appendChild(graphic);
  box.appendChild(element("div", sizes.length + " bars" + (target ? ", target " + number(target) + " bytes (dashed)" : ""), "hint"));
  return box;
}

async function renderDetail(exportId) {
  const envelope = await api("GET", "/v2/data/export/" + encodeURIComponent(exportId));
  const job = envelope.data;
  $("detail-id").textContent = job.export_id;
  const fields = $("detail-fields");
  fields.replaceChildren();
  field(fields, "State", job.state);
  field(fields, "Destination", destination(job));
  field(fields, "Format", job.format + ", " + job.mode);
  field(fields, "Submitted", job.submitted_at);
  field(fields, "Started", job.started_at);
  field(fields, "Finished", job.finished_at);
  field(fields, "Elapsed", elapsed(job));
  field(fields, "Message", job.message);
  if (envelope.exception) field(fields, "Error", envelope.exception.type + ": " + envelope.exception.message);
  const result = job.export_result;
  if (result) {
    field(fields, "Rows", number(result.total_row_count));
    field(fields, "Row groups", number(result.num_row_groups));
  }
  const files = $("files").querySelector("tbody");
  files.replaceChildren();
  const charts = $("charts");
  charts.replaceChildren();
  if (!result) return;
  const stats = result.file_stats || result.files.map(name => ({ file: name }));
  for (const stat of stats) {
    const row = element("tr");
    row.appendChild(element("td", stat.file, "file"));
    row.appendChild(element("td", stat.row_count === undefined ? "" : number(stat.row_count), "number rows"));
    row.appendChild(element("td", stat.num_row_groups === undefined ? "" : number(stat.num_row_groups), "number groups"));
    row.appendChild(element("td", stat.file_size_bytes === undefined ? "" : number(stat.file_size_bytes), "number size"));
    row.appendChild(element("td", stat.uncompressed_byte_size === undefined ? "" : number(stat.uncompressed_byte_size), "number"));
    files.appendChild(row);
  }
  if (result.file_stats && result.file_stats.length > 0) {
    charts.appendChild(chart("File sizes", result.file_stats.map(s => s.file_size_bytes), job.target_file_size_bytes, "chart files"));
    const groups = result.file_stats.filter(s => s.num_row_groups > 0).map(s => Math.round(s.file_size_bytes / s.num_row_groups));
    if (groups.length > 0 && job.format === "Parquet") {
      charts.appendChild(chart("Average row-group size per file", groups, job.row_group_size, "chart groups"));
    }
  }
}

async function showDetail(exportId) {
  shownDetail = exportId;
  $("detail-view").hidden = false;
  try {
    await renderDetail(exportId);
  } catch (e) {
    $("list-error").textContent = e.message;
  }
}

function signedIn() {
  $("sign-in-view").hidden = true;
  $("list-view").hidden = false;
  $("sign-out").hidden = false;
  refresh();
  clearInterval(pollTimer);
  pollTimer = setInterval(refresh, POLL_MILLIS);
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  clearInterval(pollTimer);
  shownDetail = null;
  $("sign-in-view").hidden = false;
  $("list-view").hidden = true;
  $("detail-view").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in-error").textContent = message || "";
}

document.addEventListener("DOMContentLoaded", () => {
  $("sign-in").addEventListener("submit", async event => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value);
    $("token").value = "";
    try {
      await api("GET", "/v2/data/exports?limit=1");
      signedIn();
    } catch (e) {
      if (token()) $("sign-in-error").textContent = e.message;
    }
  });
  $("sign-out").addEventListener("click", () => signOut());
  $("detail-close").addEventListener("click", () => { shownDetail = null; $("detail-view").hidden = true; });
  if (token()) signedIn();
});
