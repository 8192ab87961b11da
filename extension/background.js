// The only part of the extension that talks to the person's SSI Dashboard.
// It acts when content.js brings it what linkedin.com/sales/ssi loaded (so only
// when the person opens that page: no polling, no alarms) and when the options
// page connects. It reads nothing itself: the dashboard reads LinkedIn's data
// and answers with the sentence to show.
const CONNECTION = "connection"; // {dashboard: "https://ssi.example.com", key: "ssi_…", email: "…"}
const LAST_RESULT = "lastResult";
const TIMEOUT_MS = 15000;
const SSI_PAGE = "https://www.linkedin.com/sales/ssi";

function originPattern(dashboard) {
  const url = new URL(dashboard);
  return url.protocol + "//" + url.hostname + "/*";
}

async function ask(dashboard, key, method, body) {
  const controller = new AbortController();
  const timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
  try {
    const response = await fetch(dashboard + "/api/v1/capture", {
      method: method,
      headers: { Authorization: "Bearer " + key, "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      credentials: "omit",
    });
    let json = null;
    try { json = await response.json(); } catch (e) { json = null; }
    return { status: response.status, json: json };
  } catch (e) {
    return { status: 0, json: null };
  } finally {
    clearTimeout(timer);
  }
}

function errorsOf(json) {
  if (!json || !Array.isArray(json.errors)) return "";
  return json.errors.map(function (e) { return e.message; }).join(" ");
}

// What to tell the person about an answer that recorded nothing.
function refusal(answer, dashboard) {
  const where = new URL(dashboard).host;
  if (answer.status === 0) {
    return "Not recorded: your SSI Dashboard at " + where + " could not be reached. Open this LinkedIn page again once it is back.";
  }
  if (answer.status === 401) {
    return "Not recorded: your SSI Dashboard refused this extension's key (it was revoked or mistyped). " +
      "Create a new extension key in your dashboard's Settings and connect again.";
  }
  if (answer.status === 429) {
    return "Not recorded: too many requests to your SSI Dashboard just now. Open this page again in a minute.";
  }
  if ((answer.status === 400 || answer.status === 403) && errorsOf(answer.json)) {
    return "Not recorded: " + errorsOf(answer.json);
  }
  if (answer.status === 404 || answer.json === null) {
    return "Not recorded: " + where + " does not answer as an SSI Dashboard (HTTP " + answer.status +
      "). Check the address: click the extension's icon and connect again.";
  }
  return "Not recorded: your SSI Dashboard answered with an error (HTTP " + answer.status + "). Open this page again later.";
}

async function remember(outcome, message) {
  await chrome.storage.local.set({ [LAST_RESULT]: { outcome: outcome, message: message, at: new Date().toISOString() } });
  await chrome.action.setBadgeBackgroundColor({ color: outcome === "recorded" ? "#1d6b3a" : "#8a1c1c" });
  await chrome.action.setBadgeText({ text: outcome === "recorded" ? "✓" : "!" });
  return { outcome: outcome, message: message };
}

async function capture(payload) {
  const stored = (await chrome.storage.local.get(CONNECTION))[CONNECTION];
  if (!stored || !stored.dashboard || !stored.key) {
    return remember("refused", "Not recorded: this browser is not connected to your SSI Dashboard. " +
      "Click the extension's icon and paste the connection line from your dashboard's Settings.");
  }
  const allowed = await chrome.permissions.contains({ origins: [originPattern(stored.dashboard)] });
  if (!allowed) {
    return remember("refused", "Not recorded: the extension is not allowed to reach " + new URL(stored.dashboard).host +
      ". Click the extension's icon and connect again.");
  }
  const answer = await ask(stored.dashboard, stored.key, "POST", payload);
  if ((answer.status === 200 || answer.status === 201) && answer.json && answer.json.message) {
    return remember("recorded", answer.json.message);
  }
  return remember("refused", refusal(answer, stored.dashboard));
}

async function connect(dashboard, key) {
  const answer = await ask(dashboard, key, "GET");
  if (answer.status === 200 && answer.json && answer.json.connected) {
    await chrome.storage.local.set({ [CONNECTION]: { dashboard: dashboard, key: key, email: answer.json.email } });
    return { ok: true, message: "Connected to " + new URL(dashboard).host + " as " + answer.json.email +
      ". Open linkedin.com/sales/ssi to record today." };
  }
  if (answer.status === 0) {
    return { ok: false, message: "Not connected: " + new URL(dashboard).host + " could not be reached. Check the address and try again." };
  }
  if (answer.status === 403) {
    return { ok: false, message: "Not connected: " + errorsOf(answer.json) };
  }
  return { ok: false, message: refusal(answer, dashboard).replace(/^Not recorded/, "Not connected") };
}

chrome.runtime.onMessage.addListener(function (message, sender, reply) {
  const fromSsiPage = sender.tab && typeof sender.url === "string" && sender.url.indexOf(SSI_PAGE) === 0;
  const fromOptions = typeof sender.url === "string" && sender.url.indexOf(chrome.runtime.getURL("")) === 0;
  if (message && message.type === "capture" && fromSsiPage) {
    capture(message.payload).then(reply);
    return true;
  }
  if (message && message.type === "connect" && fromOptions) {
    connect(message.dashboard, message.key).then(reply);
    return true;
  }
  if (message && message.type === "disconnect" && fromOptions) {
    chrome.storage.local.remove([CONNECTION, LAST_RESULT]).then(function () { reply({ ok: true }); });
    return true;
  }
  return false;
});
