// A small 2-D client of the hall: top-down plan, avatars from binary snapshot
// frames, proximity chat. Written from docs/protocol.md alone, as any client can be.
"use strict";

const TEXT = {
  id: { name: "Nama tampilan", enter: "Masuk sebagai tamu", send: "Kirim", say: "Ketik pesan…",
        help: "Tonton aula, atau masuk sebagai tamu lalu berjalan dengan tombol panah / WASD.",
        watching: "menonton", walking: "berjalan sebagai", closed: "terputus, menyambung ulang…",
        avatars: "avatar", other: "English", service: "Layanan", take: "Ambil nomor",
        serving: "Sedang dilayani", ticket: (t) => `Nomor ${t.number}` + (t.position ? `, antrean ke-${t.position}, ${t.estimate.high_s < 60 ? "kurang dari 1 menit" : `perkiraan ${Math.round(t.estimate.low_s / 60)}–${Math.round(t.estimate.high_s / 60)} menit`}` : ""),
        called: (c) => `Nomor ${c.number}: silakan ke ${c.counter.name.id}`,
        call_yes: "Ya, boleh direkam", call_no: "Jangan direkam", hangup: "Tutup panggilan",
        call: { invited: "Petugas mengajak bicara.", connecting: "Menyambungkan suara…",
                connected: "Tersambung: silakan bicara.", ended: "Panggilan selesai.",
                failed: "Suara tidak tersambung; obrolan tetap bisa dipakai.",
                bot: "Asisten menjawab lewat obrolan." } },
  en: { name: "Display name", enter: "Enter as a guest", send: "Send", say: "Type a message…",
        help: "Watch the hall, or enter as a guest and walk with the arrow keys / WASD.",
        watching: "watching", walking: "walking as", closed: "disconnected, reconnecting…",
        avatars: "avatars", other: "Bahasa Indonesia", service: "Service", take: "Take a number",
        serving: "Now serving", ticket: (t) => `Number ${t.number}` + (t.position ? `, ${t.position} in line, ${t.estimate.high_s < 60 ? "under a minute" : `about ${Math.round(t.estimate.low_s / 60)}–${Math.round(t.estimate.high_s / 60)} min`}` : ""),
        called: (c) => `Number ${c.number}: please go to ${c.counter.name.en}`,
        call_yes: "Yes, record it", call_no: "Do not record", hangup: "Hang up",
        call: { invited: "The counter invites you to talk.", connecting: "Connecting audio…",
                connected: "Connected: please speak.", ended: "Call ended.",
                failed: "Audio did not connect; the chat still works.",
                bot: "The assistant answers in the chat." } },
};
let lang = "id";
const $ = (id) => document.getElementById(id);
const canvas = $("plan"), ctx = canvas.getContext("2d");
let scene = null, hall = null, ws = null, me = null, resume = null, token = null;
const view = new Map();      // avatar id -> {x, y, yaw, anim, flags}
const profiles = new Map();  // avatar id -> {name, role, appearance}
const keys = new Set();
let seq = 0, scale = 10, lastSent = 0;

function t(key) { return TEXT[lang][key]; }
function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("text").placeholder = t("say");
  $("lang").textContent = t("other");
  if (hall) $("title").textContent = hall.name[lang];
}

async function api(path, body) {
  const res = await fetch(path, body ? { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify(body) } : {});
  if (!res.ok) { const { error } = await res.json(); throw new Error(error?.text?.[lang] || error?.message || res.statusText); }
  return res.json();
}

function readFrame(buf) {
  const d = new DataView(buf);
  const full = d.getUint8(1) & 1, ne = d.getUint16(6, true), nu = d.getUint16(8, true), nl = d.getUint16(10, true);
  if (full) view.clear();
  let o = 12;
  for (let i = 0; i < ne + nu; i++, o += 12) {
    view.set(d.getUint32(o, true), { x: d.getInt16(o + 4, true) / 100, y: d.getInt16(o + 6, true) / 100,
      yaw: d.getUint16(o + 8, true) * 360 / 65536, anim: d.getUint8(o + 10), flags: d.getUint8(o + 11) });
  }
  for (let i = 0; i < nl; i++, o += 4) view.delete(d.getUint32(o, true));
}

// Voice at the counter (docs/protocol.md, section 13): offered when you reach it.
const call = createCounterCall({
  send: (msg) => ws && ws.readyState === 1 && ws.send(JSON.stringify(msg)),
  onChange(change) {
    const texts = t("call");
    $("call").hidden = change.status === "idle";
    if (change.consent) $("call-consent-text").textContent = change.consent[lang];
    $("call-consent").hidden = change.status !== "invited";
    $("call-hangup").hidden = ["invited", "ended", "failed"].includes(change.status);
    $("call-status").textContent = change.staff === "bot" ? texts.bot : texts[change.status] || "";
  },
});

function onControl(msg) {
  if (call.handle(msg)) return;
  if (msg.type === "welcome") {
    resume = msg.resume_token;
    me = msg.you.role === "spectator" ? null : msg.you;
    view.clear();
    for (const a of [msg.you, ...msg.neighbours]) {
      profiles.set(a.id, a);
      if (a.role !== "spectator") view.set(a.id, { x: a.x, y: a.y, yaw: a.yaw, anim: 0, flags: a.flags });
    }
    $("status").textContent = me ? `${t("walking")} ${me.name}` : t("watching");
    $("say").hidden = !me;
    $("queue").hidden = !me;
  } else if (msg.type === "profiles") {
    for (const a of msg.avatars) profiles.set(a.id, a);
  } else if (msg.type === "correction" && me) {
    me.x = msg.x; me.y = msg.y;
  } else if (msg.type === "ticket") {
    $("myticket").textContent = msg.state === "waiting" || msg.state === "called" ? t("ticket")(msg) : "";
  } else if (msg.type === "called") {
    $("myticket").textContent = t("called")(msg);
  } else if (msg.type === "chat" || msg.type === "announcement" || msg.type === "error") {
    const line = document.createElement("div");
    const said = lang === "en" && msg.text_en ? msg.text_en : msg.text;
    line.textContent = msg.type === "chat" ? `${msg.from.name}: ${said}`
      : msg.type === "announcement" ? `📢 ${msg.text[lang]}` : `⚠ ${msg.text?.[lang] || msg.message}`;
    $("chat").append(line);
    $("chat").scrollTop = 1e9;
  }
}

function connect(role, name) {
  if (ws) { ws.onclose = null; ws.close(1000); }
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${hall.websocket_url}`;
  ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => ws.send(JSON.stringify({ type: "join", token, display_name: name, resume_token: resume }));
  ws.onmessage = (e) => (typeof e.data === "string" ? onControl(JSON.parse(e.data)) : readFrame(e.data));
  ws.onclose = (e) => {
    $("status").textContent = t("closed");
    if (e.code === 4001) { resume = null; setTimeout(() => start(role, name), 2000); }
    else setTimeout(() => connect(role, name), 2000);
  };
}

async function start(role, name) {
  ({ token } = await api("/api/v1/auth/guest/token", { display_name: name, role }));
  resume = null;
  connect(role, name);
}

function walk(dt) {
  if (!me || !ws || ws.readyState !== 1) return;
  let dx = 0, dy = 0;
  if (keys.has("ArrowLeft") || keys.has("a")) dx -= 1;
  if (keys.has("ArrowRight") || keys.has("d")) dx += 1;
  if (keys.has("ArrowUp") || keys.has("w")) dy += 1;
  if (keys.has("ArrowDown") || keys.has("s")) dy -= 1;
  if (!dx && !dy) return;
  const len = Math.hypot(dx, dy), speed = 1.4;
  me.x += (dx / len) * speed * dt; me.y += (dy / len) * speed * dt;
  me.yaw = (Math.atan2(-dx, dy) * 180 / Math.PI + 360) % 360;
  if (performance.now() - lastSent < 100) return;  // 10 moves per second is plenty
  lastSent = performance.now();
  ws.send(JSON.stringify({ type: "move", x: me.x, y: me.y, yaw: me.yaw, anim: "walk", seq: ++seq }));
}

function poly(points) {
  ctx.beginPath();
  points.forEach(([x, y], i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, ...px(x, y)));
  ctx.closePath();
}
function px(x, y) { return [(x - scene.bounds.min[0]) * scale, (scene.bounds.max[1] - y) * scale]; }

function draw() {
  if (!scene) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#efe8d8";
  scene.floors.forEach((f) => { poly(f.polygon); ctx.fill(); });
  const zoneColours = { waiting: "#dfe9f5", wing: "#f5eadf", exhibitor_booth: "#e5f3df", lobby: "#f7f3e8" };
  scene.zones.forEach((z) => { ctx.fillStyle = zoneColours[z.kind] || "#f0f0f0"; poly(z.polygon); ctx.fill(); });
  scene.obstacles.forEach((o) => { ctx.fillStyle = o.kind === "wall" ? "#555" : "#b59b7a"; poly(o.polygon); ctx.fill(); });
  ctx.fillStyle = "#6b6b6b"; ctx.font = "12px system-ui"; ctx.textAlign = "center";
  scene.zones.forEach((z) => {
    if (z.kind === "exhibitor_booth") return;
    const n = z.polygon.length, cx = z.polygon.reduce((s, p) => s + p[0], 0) / n;
    const top = Math.max(...z.polygon.map((p) => p[1]));
    const [x, y] = px(cx, top);
    ctx.fillText(z.name[lang], x, y + 14);
  });
  ctx.fillStyle = "#00539c"; ctx.font = "11px system-ui";
  scene.counters.forEach((c) => { const [x, y] = px(...c.position); ctx.fillText(c.id, x, y - 6); });
  for (const [id, a] of view) {
    const p = profiles.get(id) || {}, [x, y] = px(a.x, a.y);
    ctx.fillStyle = (p.appearance?.colors?.top) || (p.role === "officer" ? "#00539c" : "#e07b00");
    ctx.globalAlpha = a.flags & 2 ? 0.35 : 1;
    ctx.beginPath(); ctx.arc(x, y, Math.max(3, scale * 0.3), 0, 7); ctx.fill();
    ctx.globalAlpha = 1;
    if (me && id === me.id) { ctx.strokeStyle = "#000"; ctx.stroke(); }
    if (p.name && scale >= 8) { ctx.fillStyle = "#333"; ctx.font = "10px system-ui"; ctx.fillText(p.name, x, y - 7); }
  }
}

let last = performance.now();
function frame(now) {
  walk(Math.min(0.1, (now - last) / 1000));
  last = now;
  draw();
  requestAnimationFrame(frame);
}

addEventListener("keydown", (e) => { if (e.target.tagName !== "INPUT") keys.add(e.key); });
addEventListener("keyup", (e) => keys.delete(e.key));
$("lang").onclick = () => { lang = lang === "id" ? "en" : "id"; applyLang(); loadServices(); };
$("take").onclick = () => ws.send(JSON.stringify({ type: "ticket_take", service: $("service").value }));
$("call-yes").onclick = () => call.accept(true);
$("call-no").onclick = () => call.accept(false);
$("call-hangup").onclick = () => call.hangup();

async function loadServices() {
  const { services } = await api(`/api/v1/services?lang=${lang}`);
  $("service").replaceChildren(...services.map((s) => new Option(`${s.group} · ${s.name}`, s.code)));
}

function followBoard() {
  const feed = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/v1/halls/${hall.id}/board`);
  feed.onmessage = (e) => {
    const board = JSON.parse(e.data);
    $("board").replaceChildren(...board.now_serving.map((row) => {
      const li = document.createElement("li");
      li.textContent = `${row.number} → ${row.counter_id}`;
      return li;
    }));
  };
  feed.onclose = () => setTimeout(followBoard, 3000);
}
$("enter").onsubmit = (e) => { e.preventDefault(); start("guest", $("name").value); };
$("say").onsubmit = (e) => {
  e.preventDefault();
  if ($("text").value.trim()) ws.send(JSON.stringify({ type: "chat", channel: "proximity", text: $("text").value }));
  $("text").value = "";
};

(async () => {
  applyLang();
  [hall] = await api("/api/v1/halls");
  scene = await api(hall.scene_url);
  const w = scene.bounds.max[0] - scene.bounds.min[0], h = scene.bounds.max[1] - scene.bounds.min[1];
  scale = Math.min(14, Math.max(6, (innerWidth - 80) / w));
  canvas.width = w * scale; canvas.height = h * scale;
  applyLang();
  await start("spectator", "Layar pameran");
  loadServices();
  followBoard();
  requestAnimationFrame(frame);
})();
