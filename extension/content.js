// On linkedin.com/sales/ssi only, and only when the person opens it: find the
// SSI data the page itself loads and ask the service worker to record it.
//
// Where the data comes from, best first:
//  1. the page's own response from /sales-api/salesApiSsi, handed over by
//     page_hook.js (LinkedIn's JSON: memberScore, subScores, groupScore);
//  2. the same JSON embedded in the page's HTML (<code> blocks, JSON scripts);
//  3. one request of our own to /sales-api/salesApiSsi, as the page makes it,
//     if the page made none we could see;
//  4. only when no JSON could be had: the page's visible text.
// Nothing is read here: the dashboard reads it, and refuses what it cannot be sure of.
(function () {
  const DATA_URL = "/sales-api/salesApiSsi";
  const WAIT_FOR_PAGE_DATA_MS = 4000;
  const MAX_TEXT_CHARS = 200000;
  let sent = false;
  let unfamiliar = null; // JSON from the data URL that carries no memberScore

  function findMemberScore(value, depth) {
    if (depth > 6 || value === null || typeof value !== "object") return false;
    if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, "memberScore")) return true;
    return Object.values(value).some(function (child) { return findMemberScore(child, depth + 1); });
  }

  function jsonOrNull(text) {
    try {
      const value = JSON.parse(text);
      return value !== null && typeof value === "object" ? value : null;
    } catch (e) {
      return null;
    }
  }

  // A response of the data URL: sent at once when it has the SSI, kept aside when not.
  function consider(text) {
    if (sent) return;
    const value = jsonOrNull(text);
    if (value === null) return;
    if (findMemberScore(value, 0)) send({ linkedin_json: text });
    else if (unfamiliar === null) unfamiliar = text;
  }

  window.addEventListener("message", function (event) {
    const data = event.data;
    if (event.source !== window || !data || data.source !== "ssi-dashboard-hook") return;
    if (data.status >= 200 && data.status < 300 && typeof data.text === "string") consider(data.text);
  });

  // LinkedIn's server-rendered pages carry API responses in hidden <code> blocks,
  // often as an HTML comment whose text keeps its entities (&quot;): a comment's
  // text is not decoded by the browser, so it is decoded here.
  const ENTITIES = { quot: '"', amp: "&", lt: "<", gt: ">", apos: "'" };
  function decodeEntities(text) {
    return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, function (whole, name) {
      if (name[0] !== "#") return Object.prototype.hasOwnProperty.call(ENTITIES, name.toLowerCase()) ? ENTITIES[name.toLowerCase()] : whole;
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    });
  }

  function embedded() {
    for (const block of document.querySelectorAll('code, script[type="application/json"]')) {
      const texts = [block.textContent || ""];
      block.childNodes.forEach(function (node) {
        if (node.nodeType === Node.COMMENT_NODE) texts.push(decodeEntities(node.data));
      });
      for (const raw of texts) {
        const text = raw.trim();
        if (text.indexOf("memberScore") === -1) continue;
        const value = jsonOrNull(text);
        if (value !== null && findMemberScore(value, 0)) return text;
      }
    }
    return null;
  }

  function csrfToken() {
    // LinkedIn's own scripts send the JSESSIONID cookie's value as csrf-token.
    const match = document.cookie.match(/(?:^|;\s*)JSESSIONID="?([^";]+)"?/);
    return match ? match[1] : null;
  }

  async function fetchOnce() {
    const headers = { accept: "application/json", "x-restli-protocol-version": "2.0.0" };
    const token = csrfToken();
    if (token) headers["csrf-token"] = token;
    try {
      const response = await fetch(DATA_URL, { credentials: "include", headers: headers });
      if (!response.ok) return null;
      const text = await response.text();
      return jsonOrNull(text) === null ? null : text;
    } catch (e) {
      return null;
    }
  }

  async function fallBack() {
    if (sent) return;
    const inPage = embedded();
    if (inPage !== null) return send({ linkedin_json: inPage });
    if (unfamiliar !== null) return send({ linkedin_json: unfamiliar });
    const own = await fetchOnce();
    if (sent) return;
    if (own !== null) return send({ linkedin_json: own });
    const text = (document.body ? document.body.innerText : "").slice(0, MAX_TEXT_CHARS);
    if (text.trim() === "") return show("refused", "Not recorded: this page showed no SSI to record.");
    send({ page_text: text });
  }

  function send(payload) {
    if (sent) return;
    sent = true;
    chrome.runtime.sendMessage({ type: "capture", payload: payload }, function (answer) {
      if (chrome.runtime.lastError || !answer) {
        show("refused", "Not recorded: the extension did not answer. Reload this page to try again.");
      } else {
        show(answer.outcome, answer.message);
      }
    });
  }

  function show(outcome, message) {
    const place = function () {
      let host = document.getElementById("ssi-dashboard-banner");
      if (!host) {
        host = document.createElement("div");
        host.id = "ssi-dashboard-banner";
        host.attachShadow({ mode: "open" });
        document.documentElement.appendChild(host);
      }
      host.dataset.outcome = outcome;
      const ok = outcome === "recorded";
      host.shadowRoot.innerHTML =
        '<style>div{position:fixed;top:12px;right:12px;z-index:2147483647;max-width:min(420px,90vw);' +
        "padding:10px 36px 10px 14px;border-radius:8px;font:14px/1.4 system-ui,sans-serif;" +
        "box-shadow:0 2px 10px rgba(0,0,0,.25);color:#fff;background:" + (ok ? "#1d6b3a" : "#8a1c1c") + "}" +
        "button{position:absolute;top:6px;right:6px;border:0;background:none;color:#fff;font-size:18px;cursor:pointer}</style>" +
        '<div role="status"><strong>SSI Dashboard:</strong> <span></span>' +
        '<button type="button" aria-label="Close">×</button></div>';
      host.shadowRoot.querySelector("span").textContent = message;
      host.shadowRoot.querySelector("button").addEventListener("click", function () { host.remove(); });
    };
    if (document.documentElement) place();
    else document.addEventListener("DOMContentLoaded", place, { once: true });
  }

  function start() {
    const inPage = embedded();
    if (inPage !== null) send({ linkedin_json: inPage });
    setTimeout(fallBack, WAIT_FOR_PAGE_DATA_MS);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
