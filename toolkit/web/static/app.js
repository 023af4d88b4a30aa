"use strict";
// The page over the local xltool server: every request carries the token the server printed at start.
const TOKEN = document.querySelector('meta[name="xltool-token"]').content;
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);  // text is appended as text, never as HTML
  return node;
}

async function call(url, options) {
  const response = await fetch(url, { ...(options || {}), headers: { "X-Xltool-Token": TOKEN } });
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : { error: await response.text() };
  if (!response.ok && !body.error) body.error = `出错了（${response.status}）`;
  return body;
}

const downloadUrl = (key) => `/download/${encodeURIComponent(key)}?token=${encodeURIComponent(TOKEN)}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function startDownload(key) {
  const link = el("a", { href: downloadUrl(key) });
  document.body.append(link);
  link.click();
  link.remove();
}

// --- views -------------------------------------------------------------------------------------------
function show(view) {
  for (const section of document.querySelectorAll("main > section")) section.hidden = section.id !== `view-${view}`;
  for (const button of document.querySelectorAll("nav button")) button.classList.toggle("on", button.dataset.view === view);
}
for (const button of document.querySelectorAll("nav button")) button.addEventListener("click", () => show(button.dataset.view));

// --- one checked file, drawn as on paper -------------------------------------------------------------
function drawTable(table) {
  const paper = el("div", { class: "paper" }, el("h3", {}, table.title));
  const grid = el("table");
  for (const row of table.rows) {
    const tr = el("tr");
    for (const cell of row) {
      if (!cell) continue;
      const td = el(cell.head ? "th" : "td", {}, cell.text);
      if (cell.rows > 1) td.rowSpan = cell.rows;
      if (cell.cols > 1) td.colSpan = cell.cols;
      if (cell.label) td.classList.add("l");
      if (cell.cell) {
        td.dataset.cell = cell.cell;
        td.classList.add("v");
        if (cell.mark) { td.classList.add(cell.mark); td.title = cell.note; }
      }
      tr.append(td);
    }
    grid.append(tr);
  }
  paper.append(grid);
  return paper;
}

function flash(box, cell) {
  const td = box.querySelector(`[data-cell="${CSS.escape(cell)}"]`);
  if (!td) return;
  td.scrollIntoView({ behavior: "smooth", block: "center" });
  td.classList.remove("flash");
  void td.offsetWidth;  // restart the animation
  td.classList.add("flash");
}

function findingsList(findings, tablesBox) {
  if (!findings.length) return el("p", { class: "none" }, "没有发现问题");
  const list = el("ol");
  for (const f of findings) {
    const where = [f.where, f.labels].filter(Boolean).join(" · ");
    const item = el("li", { class: f.severity }, el("span", { class: "sev" }, f.word), " ",
      el("span", { class: "where" }, where), el("div", { class: "msg" }, f.message));
    if (f.cell) {
      item.classList.add("link");
      item.title = "点击查看单元格";
      item.addEventListener("click", () => flash(tablesBox, f.cell));
    }
    list.append(item);
  }
  return list;
}

function verdictLine(data) {
  const v = data.verdict;
  const text = v.failure ? `${data.name}：无法读取。${v.failure}` : `${data.name}　${v.unit} ${v.year || "?"} 年度　${v.text}`;
  return el("div", { class: `verdict ${v.valid ? "good" : "bad"}`, id: "verdict" }, text);
}

function renderChecked(container, data) {
  container.replaceChildren(verdictLine(data));
  if (data.download) container.append(el("a", { class: "button", href: downloadUrl(data.download), id: "annotated" }, "下载批注副本（标出问题的工作簿）"));
  if (data.verdict.failure) return;
  const tablesBox = el("div", { class: "tables" });
  for (const table of data.tables) tablesBox.append(drawTable(table));
  const list = el("div", { class: "findings" }, findingsList(data.findings, tablesBox));
  container.append(el("div", { class: "checked" }, tablesBox, list));
  const first = tablesBox.querySelector("td.error, td.warning");  // open the tables at the first problem
  if (first) {
    const below = first.getBoundingClientRect().top - tablesBox.getBoundingClientRect().top;
    tablesBox.scrollTop = Math.max(0, below - tablesBox.clientHeight / 3);
  }
}

// --- 检查一份 ------------------------------------------------------------------------------------------
async function checkFile(file) {
  const box = $("check-result");
  box.replaceChildren(el("p", { class: "busy" }, `正在检查 ${file.name}……`));
  const form = new FormData();
  form.append("file", file);
  const data = await call("/api/check", { method: "POST", body: form });
  if (data.error) box.replaceChildren(el("p", { class: "error-line" }, data.error));
  else renderChecked(box, data);
}

$("check-file").addEventListener("change", (event) => {
  if (event.target.files[0]) checkFile(event.target.files[0]);
  event.target.value = "";
});
const drop = $("check-drop");
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  if (event.dataTransfer.files[0]) checkFile(event.dataTransfer.files[0]);
});

// --- 汇总 --------------------------------------------------------------------------------------------
let chosen = [];
let rosterFile = null;

function choose(files) {
  chosen = chosen.concat(Array.from(files));
  $("merge-chosen").textContent = chosen.length ? `已选 ${chosen.length} 个文件` : "";
  $("merge-clear").hidden = !chosen.length;
}
for (const id of ["merge-files", "merge-folder", "merge-zip"]) {
  $(id).addEventListener("change", (event) => { choose(event.target.files); event.target.value = ""; });
}
$("merge-clear").addEventListener("click", () => { chosen = []; choose([]); });
let parentFile = null;
$("merge-parent").addEventListener("change", (event) => {
  parentFile = event.target.files[0] || null;
  $("parent-name").textContent = parentFile ? `县本级年报：${parentFile.name}` : "";
});
$("merge-roster").addEventListener("change", (event) => {
  rosterFile = event.target.files[0] || null;
  if (rosterFile) $("roster-name").textContent = `名单：${rosterFile.name}`;
});

function mergeMessage(text) {
  $("merge-result").replaceChildren(el("p", { class: "error-line" }, text));
}

$("merge-start").addEventListener("click", async () => {
  if (!chosen.length) { mergeMessage("请先选择各单位报送的文件、文件夹或压缩包"); return; }
  const form = new FormData();
  for (const file of chosen) form.append("files", file, file.name);
  if (rosterFile) form.append("roster", rosterFile);
  if (parentFile) form.append("parent", parentFile);
  form.append("year", $("merge-year").value);
  $("merge-result").replaceChildren();
  $("merge-detail").replaceChildren();
  progress(0, 0, `正在上传 ${chosen.length} 个文件……`);
  const started = await call("/api/merge", { method: "POST", body: form });
  if (started.error) { $("merge-progress").hidden = true; mergeMessage(started.error); return; }
  if (rosterFile) {
    $("roster-name").textContent = `名单：${rosterFile.name}（已记住）`;
    $("t-roster-name").textContent = `本次已记住的名单：${rosterFile.name}`;
    $("t-roster-name").dataset.remembered = "1";
    rosterFile = null;
  }
  await follow(started.job);
});

function progress(done, total, text) {
  $("merge-progress").hidden = false;
  $("merge-bar").style.width = total ? `${Math.round((100 * done) / total)}%` : "0";
  $("merge-status").textContent = text || `正在检查：${done} / ${total}`;
}

async function follow(job) {
  for (;;) {
    const state = await call(`/api/jobs/${encodeURIComponent(job)}`);
    if (state.error && !state.state) { mergeMessage(state.error); return; }
    progress(state.done, state.total);
    if (state.state === "failed") { mergeMessage(state.error); $("merge-progress").hidden = true; return; }
    if (state.state === "done") { progress(1, 1, "完成"); renderMerge(job, state); return; }
    await sleep(250);
  }
}

function statusTable(headings, rows) {
  const table = el("table", { class: "status" }, el("tr", {}, ...headings.map((h) => el("th", {}, h))));
  for (const row of rows) table.append(row);
  return table;
}

function statusRow(job, index, cells, status) {
  const tr = el("tr", {}, ...cells.map((text, n) => el("td", n === 1 ? { class: `st-${status}` } : {}, text)));
  if (index >= 0) {
    tr.classList.add("open");
    tr.title = "点击查看该单位的问题";
    tr.addEventListener("click", () => openFile(job, index, tr));
  }
  return tr;
}

function renderMerge(job, state) {
  const result = state.result;
  const box = $("merge-result");
  const counts = Object.entries(result.counts).filter(([, n]) => n).map(([word, n]) => `${word} ${n}`).join("，");
  box.replaceChildren(el("div", { class: "counts", id: "merge-counts" }, `${result.year || "?"} 年度：共 ${result.files.length} 个文件（${counts}）`));
  const links = [["summary", "下载汇总表"], ["long", "下载长表 CSV"], ["annotated", "下载批注副本（压缩包，退回各单位）"]];
  for (const [kind, text] of links) {
    if (state.downloads[kind]) box.append(el("a", { class: "button", href: downloadUrl(state.downloads[kind]), id: `download-${kind}` }, text));
  }
  for (const f of result.county_findings) {
    const where = [f.where, f.labels].filter(Boolean).join(" · ");
    box.append(el("div", { class: `county ${f.severity}` }, `汇总${f.word}：${where} ${f.message}`));
  }
  if (result.roster.length) {
    const units = Object.entries(result.unit_counts).map(([word, n]) => `${word} ${n}`).join("，");
    box.append(el("h2", {}, `报送情况（名单 ${result.roster.length} 个单位：${units}）`));
    const readable = new Set(result.files.filter((f) => f.readable).map((f) => f.index));
    box.append(statusTable(["单位", "状态", "文件", "说明"], result.roster.map((line) =>
      statusRow(job, readable.has(line.index) ? line.index : -1, [line.unit, line.word, line.file, line.note], line.status))));
  }
  box.append(el("h2", {}, "收到的文件"));
  box.append(statusTable(["文件", "状态", "单位", "说明"], result.files.map((f) =>
    statusRow(job, f.readable ? f.index : -1, [f.name, f.word, f.unit, f.note], f.status))));
}

async function openFile(job, index, row) {
  for (const other of document.querySelectorAll("table.status tr.chosen")) other.classList.remove("chosen");
  row.classList.add("chosen");
  const box = $("merge-detail");
  box.replaceChildren(el("p", { class: "busy" }, "正在读取……"));
  const data = await call(`/api/jobs/${encodeURIComponent(job)}/files/${index}`);
  if (data.error) box.replaceChildren(el("p", { class: "error-line" }, data.error));
  else renderChecked(box, data);
  box.scrollIntoView({ behavior: "smooth", block: "start" });
}

// --- 模板 --------------------------------------------------------------------------------------------
let templateRoster = null;
$("t-roster").addEventListener("change", (event) => {
  templateRoster = event.target.files[0] || null;
  if (templateRoster) $("t-roster-name").textContent = templateRoster.name;
});

async function makeTemplates(withRoster) {
  const form = new FormData();
  form.append("year", $("t-year").value);
  if (withRoster) {
    if (templateRoster) form.append("roster", templateRoster);
    else if ($("t-roster-name").dataset.remembered) form.append("use_roster", "1");
    else { $("t-message").replaceChildren(el("p", { class: "error-line" }, "请先选择单位名单")); return; }
  } else {
    form.append("unit", $("t-unit").value);
    form.append("level", $("t-level").value);
  }
  const made = await call("/api/templates", { method: "POST", body: form });
  if (made.error) { $("t-message").replaceChildren(el("p", { class: "error-line" }, made.error)); return; }
  $("t-message").replaceChildren(el("p", { class: "verdict good", id: "t-made" }, `已生成：${made.name}`));
  startDownload(made.download);
}
$("t-one").addEventListener("click", () => makeTemplates(false));
$("t-all").addEventListener("click", () => makeTemplates(true));

// --- start -------------------------------------------------------------------------------------------
(async () => {
  const info = await call("/api/info");
  if (info.error) return;
  $("t-year").value = info.year;
  for (const label of info.unit_types) $("t-level").append(el("option", { value: label }, label));
  if (info.roster) {
    $("roster-name").textContent = `名单：${info.roster}（已记住）`;
    $("t-roster-name").textContent = `本次已记住的名单：${info.roster}`;
    $("t-roster-name").dataset.remembered = "1";
  }
})();
