// Connect the extension to a dashboard: one line from the dashboard's Settings
// ("https://ssi.example.com ssi_…"), the permission to reach that address, and
// a check that the key works, before anything is stored.
const line = document.getElementById("line");
const outcome = document.getElementById("outcome");

function parseLine(text) {
  const address = (text.match(/https?:\/\/[^\s]+/) || [])[0];
  const key = (text.match(/\bssi_[A-Za-z0-9_-]{20,}/) || [])[0];
  if (!address || !key) return null;
  let url;
  try { url = new URL(address); } catch (e) { return null; }
  return { dashboard: url.origin + url.pathname.replace(/\/+$/, ""), key: key, url: url };
}

function say(ok, message) {
  outcome.textContent = message;
  outcome.dataset.ok = String(ok);
}

async function refresh() {
  const stored = await chrome.storage.local.get(["connection", "lastResult"]);
  const connection = stored.connection;
  document.getElementById("connection").textContent = connection
    ? "Connected to " + new URL(connection.dashboard).host + " as " + connection.email + "."
    : "Not connected.";
  document.getElementById("disconnect").hidden = !connection;
  const last = document.getElementById("last");
  last.textContent = stored.lastResult
    ? "Last time (" + new Date(stored.lastResult.at).toLocaleString() + "): " + stored.lastResult.message
    : "";
  last.dataset.outcome = stored.lastResult ? stored.lastResult.outcome : "";
}

document.getElementById("connect").addEventListener("submit", async function (event) {
  event.preventDefault();
  const found = parseLine(line.value.trim());
  if (!found) {
    say(false, "Paste the whole line from Settings: your dashboard's address, a space, then the key (ssi_…).");
    return;
  }
  // Asked here, in the click, as browsers require: the one address this extension may talk to.
  let granted = false;
  try {
    granted = await chrome.permissions.request({ origins: [found.url.protocol + "//" + found.url.hostname + "/*"] });
  } catch (e) {
    granted = false;
  }
  if (!granted) {
    say(false, "Not connected: the extension needs your permission to reach " + found.url.host + ".");
    return;
  }
  say(true, "Checking the key…");
  const answer = await chrome.runtime.sendMessage({ type: "connect", dashboard: found.dashboard, key: found.key });
  say(answer.ok, answer.message);
  if (answer.ok) line.value = "";
  refresh();
});

document.getElementById("disconnect").addEventListener("click", async function () {
  await chrome.runtime.sendMessage({ type: "disconnect" });
  say(true, "Disconnected: nothing is recorded until you connect again.");
  refresh();
});

refresh();
