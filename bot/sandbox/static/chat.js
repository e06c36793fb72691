// The try-out's chat: one person's private chat with the bot (or the public group),
// kept live by long polling /try/chat/<id>. No framework, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  chat: null,        // the chat shown: a person's id, or the public group's (negative)
  group: false,
  revision: 0,
  messages: new Map(), // message id -> view
  replyTo: null,     // message id the next message answers
  photo: null,       // {sample} or {file}
  poll: null,        // AbortController of the running long poll
};

// ---------------------------------------------------------------- rendering bot HTML safely
const ALLOWED = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  code: "code", pre: "pre", blockquote: "blockquote", a: "a", span: "span",
  "tg-spoiler": "span", "tg-emoji": "span",
};

function safeHtml(html) {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const out = document.createDocumentFragment();
  const walk = (node, parent) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        parent.appendChild(document.createTextNode(child.textContent));
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        const tag = ALLOWED[child.tagName.toLowerCase()];
        if (!tag) { walk(child, parent); continue; }
        const el = document.createElement(tag);
        if (tag === "a") {
          const href = child.getAttribute("href") || "";
          if (/^(https?:|tg:)/.test(href)) { el.href = href; el.target = "_blank"; el.rel = "noopener"; }
        }
        walk(child, el);
        parent.appendChild(el);
      }
    }
  };
  walk(doc.body, out);
  return out;
}

function plain(html) {
  return new DOMParser().parseFromString(`<body>${html || ""}</body>`, "text/html").body.textContent || "…";
}

function text(node, value, html) {
  if (!value) return;
  if (html) node.appendChild(safeHtml(value)); else node.appendChild(document.createTextNode(value));
}

function render(view) {
  const el = document.createElement("div");
  el.className = `msg ${view.bot ? "in" : "out"}`;
  el.dataset.id = view.id;
  if (view.reply_to) {
    const q = document.createElement("div");
    q.className = "quote";
    q.textContent = view.reply_to.html ? plain(view.reply_to.text) : view.reply_to.text || "…";
    el.appendChild(q);
  }
  if (view.photo) {
    const img = document.createElement("img");
    img.className = "photo";
    img.src = `/try/file/${encodeURIComponent(view.photo)}`;
    img.alt = "照片";
    img.addEventListener("load", () => scrollDown(false));
    el.appendChild(img);
  }
  if (view.document) {
    const a = document.createElement("a");
    a.className = "doc";
    a.href = `/try/file/${encodeURIComponent(view.document.id)}?name=${encodeURIComponent(view.document.name)}`;
    a.download = view.document.name;
    a.textContent = `📎 ${view.document.name}`;
    a.addEventListener("click", (e) => e.stopPropagation());
    el.appendChild(a);
    if (view.caption) el.appendChild(document.createElement("br"));
  }
  const body = document.createElement("span");
  body.className = "body";
  text(body, view.text || view.caption, view.html);
  el.appendChild(body);
  const kb = view.markup && view.markup.inline_keyboard;
  if (kb && kb.length) {
    const box = document.createElement("div");
    box.className = "kb";
    for (const row of kb) {
      const r = document.createElement("div");
      r.className = "row";
      for (const button of row) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = button.text;
        if (button.url) {
          b.addEventListener("click", (e) => { e.stopPropagation(); window.open(button.url, "_blank"); });
        } else {
          b.addEventListener("click", (e) => { e.stopPropagation(); tap(view.id, button.callback_data); });
        }
        r.appendChild(b);
      }
      box.appendChild(r);
    }
    el.appendChild(box);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = (view.edited ? "已编辑 " : "") + view.time;
  el.appendChild(meta);
  el.title = "点一下：回复这条消息";
  el.addEventListener("click", () => setReply(view));
  return el;
}

function scrollDown(force) {
  const box = $("messages");
  if (force || box.scrollHeight - box.scrollTop - box.clientHeight < 200) box.scrollTop = box.scrollHeight;
}

function showAll() {
  const box = $("messages");
  box.replaceChildren();
  const ids = [...state.messages.keys()].sort((a, b) => a - b);
  if (!ids.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = state.group
      ? "公示群：每天的采购公示和每周食谱会发到这里。"
      : "还没有消息。试试发送 /start 或 /help，\n或点 📷 发一张带说明的照片来报修。";
    box.appendChild(p);
  }
  for (const id of ids) box.appendChild(render(state.messages.get(id)));
  showKeyboard();
}

function merge(changes) {
  const box = $("messages");
  if (box.querySelector(".empty")) box.replaceChildren();
  for (const view of changes.messages) {
    const old = box.querySelector(`.msg[data-id="${view.id}"]`);
    state.messages.set(view.id, view);
    const el = render(view);
    if (old) { old.replaceWith(el); continue; }
    const after = [...box.children].find((c) => Number(c.dataset.id) > view.id);
    box.insertBefore(el, after || null);
  }
  for (const id of changes.deleted) {
    state.messages.delete(id);
    const old = box.querySelector(`.msg[data-id="${id}"]`);
    if (old) old.remove();
  }
  showKeyboard();
  scrollDown(true);
}

// The reply keyboard of the bot's latest message that set or removed one (a one-time
// keyboard goes away once the person has said something after it).
function showKeyboard() {
  const pad = $("keyboard");
  pad.replaceChildren();
  const ids = [...state.messages.keys()].sort((a, b) => b - a);
  let keyboard = null;
  let spokeSince = false;
  for (const id of ids) {
    const m = state.messages.get(id);
    if (!m.bot) { spokeSince = true; continue; }
    const markup = m.markup || {};
    if (markup.keyboard || markup.remove_keyboard) {
      if (markup.keyboard && !(markup.one_time_keyboard && spokeSince)) keyboard = markup.keyboard;
      break;
    }
  }
  pad.hidden = !keyboard;
  if (!keyboard) return;
  for (const row of keyboard) {
    const r = document.createElement("div");
    r.className = "row";
    for (const button of row) {
      const label = typeof button === "string" ? button : button.text;
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", () => sendText(label));
      r.appendChild(b);
    }
    pad.appendChild(r);
  }
}

// ---------------------------------------------------------------- live updates
async function follow(chat) {
  const controller = new AbortController();
  state.poll = controller;
  while (state.chat === chat && !controller.signal.aborted) {
    try {
      const res = await fetch(`/try/chat/${chat}?since=${state.revision}`, { signal: controller.signal });
      if (!res.ok) throw new Error(res.statusText);
      const changes = await res.json();
      if (state.chat !== chat) return;
      state.revision = changes.revision;
      if (changes.messages.length || changes.deleted.length) merge(changes);
    } catch (err) {
      if (controller.signal.aborted) return;
      await new Promise((r) => setTimeout(r, 1500)); // the server restarts: try again
    }
  }
}

function choose(chatId) {
  if (state.poll) state.poll.abort();
  const option = [...$("person").options].find((o) => Number(o.value) === chatId) || $("person").options[0];
  $("person").value = option.value;
  state.chat = Number(option.value);
  state.group = option.dataset.group === "1";
  state.revision = 0;
  state.messages = new Map();
  setReply(null);
  setPhoto(null);
  $("composer").classList.toggle("group", state.group);
  $("text").disabled = state.group;
  $("text").placeholder = state.group ? "公示群只能看，不能发言" : "输入消息，或 /help";
  history.replaceState(null, "", `#${state.chat}`);
  document.title = `${option.textContent} · 后勤助手试用`;
  showAll();
  follow(state.chat);
}

// ---------------------------------------------------------------- acting as the person
function toast(message, alert) {
  const t = $("toast");
  t.textContent = message;
  t.className = alert ? "alert" : "";
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, alert ? 4000 : 2000);
}

async function post(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(await res.text());
  return res.json();
}

async function tap(messageId, data) {
  try {
    const answer = await post("/try/tap", { chat_id: state.chat, message_id: messageId, data });
    if (answer.text) toast(answer.text, answer.alert);
  } catch (err) {
    toast("操作没有送达：" + err.message, true);
  }
}

async function sendText(value) {
  if (state.group) return;
  await post("/try/send", { chat_id: state.chat, text: value, reply_to: state.replyTo });
  setReply(null);
}

async function sendPhoto(caption) {
  const form = new FormData();
  form.append("chat_id", String(state.chat));
  form.append("caption", caption);
  if (state.replyTo) form.append("reply_to", String(state.replyTo));
  if (state.photo.sample) form.append("sample", state.photo.sample);
  else form.append("photo", state.photo.file, state.photo.file.name || "photo.jpg");
  const res = await fetch("/try/photo", { method: "POST", body: form });
  if (!res.ok) throw new Error(await res.text());
  setPhoto(null);
  setReply(null);
}

function setReply(view) {
  if (state.group) view = null;
  state.replyTo = view ? view.id : null;
  $("reply-bar").hidden = !view;
  if (view) {
    $("reply-text").textContent = (view.text || view.caption || (view.photo ? "[照片]" : "")).slice(0, 40);
    $("text").focus();
  }
}

function setPhoto(photo) {
  state.photo = photo;
  $("photo-bar").hidden = !photo;
  $("samples").hidden = true;
  if (photo) {
    $("photo-preview").src = photo.sample ? `/samples/${photo.sample}` : URL.createObjectURL(photo.file);
    $("text").placeholder = "照片说明，如：教学楼302教室 门锁坏了";
    $("text").focus();
  } else if (!state.group) {
    $("text").placeholder = "输入消息，或 /help";
  }
}

// ---------------------------------------------------------------- time controls
async function loadJobs() {
  try {
    const res = await fetch("/try/jobs");
    const data = await res.json();
    $("now").textContent = data.now;
    const select = $("jobs");
    const keep = select.value;
    select.replaceChildren();
    for (const job of data.jobs) {
      const o = document.createElement("option");
      o.value = job.name;
      o.textContent = `${job.next} ${job.label}`;
      select.appendChild(o);
    }
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
    if (!data.jobs.length) setTimeout(loadJobs, 1500); // the bot is still starting
  } catch (err) {
    setTimeout(loadJobs, 3000);
  }
}

async function runJob() {
  const name = $("jobs").value;
  $("run-job").disabled = true;
  try {
    const done = await post("/try/jobs/run", { name });
    $("now").textContent = done.now;
    toast(`已执行：${done.label}`);
  } catch (err) {
    toast("没能执行：" + err.message, true);
  } finally {
    $("run-job").disabled = false;
    loadJobs();
  }
}

// ---------------------------------------------------------------- start
async function start() {
  const people = await (await fetch("/try/people")).json();
  for (const p of people) {
    const o = document.createElement("option");
    o.value = String(p.id);
    o.dataset.group = p.group ? "1" : "0";
    o.textContent = p.group ? `📢 ${p.name}` : `${p.name}（${p.title}）`;
    $("person").appendChild(o);
  }
  $("person").addEventListener("change", () => choose(Number($("person").value)));
  $("composer").addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = $("text").value.trim();
    try {
      if (state.photo) await sendPhoto(value);
      else if (value) await sendText(value);
      else return;
      $("text").value = "";
    } catch (err) {
      toast("没有发出去：" + err.message, true);
    }
  });
  $("text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("composer").requestSubmit(); }
  });
  $("attach").addEventListener("click", () => { if (!state.group) $("samples").hidden = !$("samples").hidden; });
  for (const b of document.querySelectorAll(".sample[data-sample]")) {
    b.addEventListener("click", () => setPhoto({ sample: b.dataset.sample }));
  }
  $("photo-file").addEventListener("change", (e) => { if (e.target.files[0]) setPhoto({ file: e.target.files[0] }); e.target.value = ""; });
  $("photo-cancel").addEventListener("click", () => setPhoto(null));
  $("reply-cancel").addEventListener("click", () => setReply(null));
  $("run-job").addEventListener("click", runJob);
  window.addEventListener("hashchange", () => {
    const id = Number(location.hash.slice(1));
    if (id && id !== state.chat) choose(id);
  });
  choose(Number(location.hash.slice(1)) || people[0].id);
  loadJobs();
  setInterval(loadJobs, 30000);
}

start();
