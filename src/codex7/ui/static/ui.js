// Codex7's web UI: a little progressive enhancement. Every page works without it.
"use strict";

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return seconds.toFixed(1) + " s";
  const minutes = Math.floor(seconds / 60), secs = Math.floor(seconds % 60);
  if (minutes < 60) return minutes + " min " + secs + " s";
  return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
}

// The libraries table: filter rows as the user types.
function setUpFilter(input) {
  const table = document.getElementById(input.dataset.filter);
  const count = document.getElementById("filter-count");
  if (!table) return;
  const rows = Array.from(table.tBodies[0].rows);
  const apply = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const text = row.dataset.filterText || "";
      const match = words.every((w) => text.includes(w));
      row.hidden = !match;
      if (match) shown += 1;
    }
    if (count) count.textContent = shown + " of " + rows.length + " libraries";
  };
  input.addEventListener("input", apply);
}

// The add-a-library form: show the fields of the chosen source, check fields as they are typed.
const ID_RE = /^\/?[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*\/?$/;

function httpUrl(text) {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host !== "";
  } catch (e) {
    return false;
  }
}

const CHECKS = {
  "library-id": (v) => !v ? "Give the library ID, e.g. /acme/widgets."
    : ID_RE.test(v) ? "" : "A library ID is /org/project: letters, digits, '.', '_' or '-' in each part, e.g. /acme/widgets.",
  "repository": (v) => !v ? "Give the repository's URL."
    : /^(git@|ssh:\/\/|file:\/\/|github:)/.test(v) || httpUrl(v) ? ""
    : "The repository URL must start with http:// or https://, e.g. https://github.com/encode/httpx.",
  "website": (v) => !v ? "Give the website's URL."
    : httpUrl(v) ? "" : "The website URL must start with http:// or https://, e.g. https://docs.example.com/.",
  "folder": (v) => !v ? "Give the folder's path on the server, e.g. /srv/docs/widgets."
    : /^[\/~]/.test(v) ? "" : "Give an absolute path on the server, e.g. /srv/docs/widgets.",
};

function show(input, message) {
  const field = input.closest(".field");
  const error = document.getElementById("e-" + input.name);
  if (error) error.textContent = message;
  input.setAttribute("aria-invalid", message ? "true" : "false");
  if (field) {
    field.classList.toggle("invalid", !!message);
    field.classList.toggle("valid", !message && input.value.trim() !== "");
  }
}

const checkFolder = debounce(async (input) => {
  const path = input.value.trim();
  if (CHECKS.folder(path)) return;
  try {
    const r = await fetch("/ui/check/folder?path=" + encodeURIComponent(path), { credentials: "same-origin" });
    if (!r.ok || input.value.trim() !== path) return;
    const answer = await r.json();
    show(input, answer.ok ? "" : answer.message);
  } catch (e) { /* the server checks again on submit */ }
}, 300);

function validate(input) {
  const rule = input.dataset.validate;
  const message = CHECKS[rule](input.value.trim());
  show(input, message);
  if (rule === "folder" && !message) checkFolder(input);
  return !message;
}

function setUpAddForm(form) {
  const radios = form.querySelectorAll('input[name="kind"]');
  const sync = () => {
    const kind = form.querySelector('input[name="kind"]:checked').value;
    for (const block of form.querySelectorAll("[data-kind]")) block.hidden = block.dataset.kind !== kind;
  };
  radios.forEach((r) => r.addEventListener("change", sync));
  sync();
  for (const input of form.querySelectorAll("[data-validate]")) {
    input.addEventListener("input", () => validate(input));
    input.addEventListener("blur", () => validate(input));
  }
  form.addEventListener("submit", (event) => {
    const visible = Array.from(form.querySelectorAll("[data-validate]")).filter((i) => !i.closest("[hidden]"));
    const bad = visible.filter((i) => !validate(i));
    if (bad.length) {
      event.preventDefault();
      bad[0].focus();
    }
  });
}

// A job's page: follow its progress over Server-Sent Events, reload when it ends.
function setUpJob(section) {
  const source = new EventSource(section.dataset.jobEvents);
  const bar = section.querySelector("[data-progress]");
  const update = (job) => {
    for (const el of section.querySelectorAll("[data-field]")) {
      const value = job[el.dataset.field];
      if (value === undefined) continue;
      el.textContent = el.dataset.format === "duration" ? formatDuration(value) : (value ?? "—");
      if (el.dataset.field === "status") el.className = "status " + value;
    }
    if (bar && job.files_total) { bar.max = job.files_total; bar.value = job.files_done; }
  };
  source.addEventListener("progress", (e) => update(JSON.parse(e.data)));
  source.addEventListener("done", (e) => {
    source.close();
    update(JSON.parse(e.data));
    window.location.reload();
  });
  source.addEventListener("error", (e) => { if (e.data) source.close(); });
}

// Copy buttons: the text of the element named by data-copy.
function setUpCopy(button) {
  button.addEventListener("click", async () => {
    const target = document.getElementById(button.dataset.copy);
    const label = button.firstChild.textContent;
    try {
      await navigator.clipboard.writeText(target.textContent);
      button.firstChild.textContent = "Copied";
    } catch (e) {
      const range = document.createRange();
      range.selectNodeContents(target);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      button.firstChild.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => { button.firstChild.textContent = label; }, 2000);
  });
}

// The query page: the version suggestions follow the chosen library.
function setUpVersions(select) {
  const versions = JSON.parse(select.dataset.versions || "{}");
  const list = document.getElementById("q-versions");
  select.addEventListener("change", () => {
    list.replaceChildren(...(versions[select.value] || []).map((v) => new Option(v, v)));
    document.getElementById("q-version").value = "";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-filter]").forEach(setUpFilter);
  const add = document.getElementById("add-form");
  if (add) setUpAddForm(add);
  const job = document.querySelector("[data-job-events]");
  if (job) setUpJob(job);
  document.querySelectorAll("button[data-copy]").forEach(setUpCopy);
  const library = document.getElementById("q-library");
  if (library) setUpVersions(library);
});
