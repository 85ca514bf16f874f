// The SPARQL editor: YASGUI over this service's /sparql, with the catalogue's queries as examples.
// Everything it needs is served by the service; the autocompleters that would call other
// hosts (LOV for classes and properties) are switched off, the prefix list is the bundled one.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("ckg-query-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;

  var local = ["prefixes", "variables"];
  Yasgui.Yasqe.defaults.autocompleters = local.slice();
  if (Yasgui.defaults.yasqe) Yasgui.defaults.yasqe.autocompleters = local.slice();
  Yasgui.Yasqe.defaults.prefixCcApi = null;

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    // One saved set of tabs per origin, so a service on another port never inherits an endpoint.
    persistenceId: function () { return "clusterkg-" + window.location.host; },
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    yasqe: { value: config.query, collapsePrefixesOnLoad: true, editorHeight: "360px" },
    yasr: { defaultPlugin: "table" },
    tabName: "Query"
  });
  window.yasgui = yasgui;

  // Result links to the graph's own IRIs open their pages here, not on the IRI's host.
  var LOCAL = [
    ["https://w3id.org/clusterkg/id/", "/id/"],
    ["https://w3id.org/clusterkg/vocab/", "/vocab/"],
    ["https://w3id.org/clusterkg/source/", "/source/"],
    ["https://w3id.org/clusterkg/graph/", "/graph/"],
    ["https://w3id.org/clusterkg/ontology#", "/ontology#"],
    ["http://data.europa.eu/nuts/code/", "/region/"],
    ["http://publications.europa.eu/resource/authority/country/", "/country/"]
  ];
  function localise(root) {
    var anchors = root.querySelectorAll ? root.querySelectorAll(".yasr a[href^='http']") : [];
    Array.prototype.forEach.call(anchors, function (a) {
      var href = a.getAttribute("href");
      for (var i = 0; i < LOCAL.length; i++) {
        if (href.indexOf(LOCAL[i][0]) === 0 && href.length > LOCAL[i][0].length) {
          a.setAttribute("href", LOCAL[i][1] + href.slice(LOCAL[i][0].length));
          a.removeAttribute("target");
          a.title = href;
          return;
        }
      }
    });
  }
  new MutationObserver(function () { localise(document.getElementById("yasgui")); })
    .observe(document.getElementById("yasgui"), { childList: true, subtree: true });

  var select = document.getElementById("examples");
  if (select) {
    select.addEventListener("change", function () {
      var example = config.examples[Number(select.value)];
      if (!example) return;
      var tab = yasgui.addTab(true, { name: example.title, yasqe: { value: example.sparql }, requestConfig: { endpoint: endpoint } });
      if (tab && tab.setQuery) tab.setQuery(example.sparql);
      select.value = "";
    });
  }
})();
