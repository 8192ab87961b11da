// Runs in the page's own world before LinkedIn's scripts, on linkedin.com/sales/ssi
// only. It watches the page's own requests for its SSI data
// (/sales-api/salesApiSsi) and hands each response's text, unread, to content.js.
// It sends nothing anywhere and changes nothing the page sees.
(function () {
  if (window.__ssiDashboardHook) return;
  window.__ssiDashboardHook = true;
  const SSI_DATA = /\/sales-api\/salesApiSsi/;

  function hand(url, status, text) {
    window.postMessage({ source: "ssi-dashboard-hook", url: String(url), status: status, text: text }, window.location.origin);
  }

  const pageFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === "string" ? input : (input && input.url) || String(input);
    const answer = pageFetch.apply(this, arguments);
    if (SSI_DATA.test(url)) {
      answer.then(function (response) {
        response.clone().text().then(function (text) { hand(url, response.status, text); }, function () {});
      }, function () {});
    }
    return answer;
  };

  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url) {
    if (SSI_DATA.test(String(url))) {
      this.addEventListener("load", function () {
        if (this.responseType === "" || this.responseType === "text") hand(url, this.status, this.responseText);
        else if (this.responseType === "json") hand(url, this.status, JSON.stringify(this.response));
      });
    }
    return open.apply(this, arguments);
  };
})();
