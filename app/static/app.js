// Lists records and adds one through the JSON API. Text is inserted with
// textContent only, so stored records can never inject markup.
"use strict";

const list = document.getElementById("records");
const form = document.getElementById("add");
const input = document.getElementById("text");
const statusEl = document.getElementById("status");

async function load() {
  const res = await fetch("api/records");
  if (!res.ok) throw new Error(`list failed: HTTP ${res.status}`);
  const records = await res.json();
  list.replaceChildren(...records.map((r) => {
    const li = document.createElement("li");
    const when = document.createElement("time");
    when.dateTime = r.created_at;
    when.textContent = new Date(r.created_at).toLocaleString();
    li.append(when, " ", r.text);
    return li;
  }));
  statusEl.textContent = records.length ? "" : "No records yet.";
}

async function add(text) {
  const res = await fetch("api/records", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text }),
  });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body.error || `HTTP ${res.status}`);
  }
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await add(input.value);
    input.value = "";
    await load();
  } catch (err) {
    statusEl.textContent = err.message;
  }
});

load().catch((err) => { statusEl.textContent = err.message; });
