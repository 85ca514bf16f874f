// A catalogue query's page: run it through /api/queries/NAME with the form's values and show
// the rows in a table. IRIs link to their pages on this service where they have one.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var status = document.getElementById("query-status");
  var target = document.getElementById("query-results");
  var apiLink = document.getElementById("api-link");
  if (!form || !window.fetch) return;
  var api = form.getAttribute("data-api");

  // The service's IRI -> page mapping (clusterkg.api.templating.LOCAL_PATHS).
  var LOCAL = [
    ["https://w3id.org/clusterkg/id/", "/id/"],
    ["https://w3id.org/clusterkg/vocab/", "/vocab/"],
    ["https://w3id.org/clusterkg/source/", "/source/"],
    ["https://w3id.org/clusterkg/graph/", "/graph/"],
    ["https://w3id.org/clusterkg/ontology#", "/ontology#"],
    ["http://data.europa.eu/nuts/code/", "/region/"],
    ["http://publications.europa.eu/resource/authority/country/", "/country/"]
  ];
  function localPath(iri) {
    for (var i = 0; i < LOCAL.length; i++) {
      if (iri.indexOf(LOCAL[i][0]) === 0 && iri.length > LOCAL[i][0].length) return LOCAL[i][1] + iri.slice(LOCAL[i][0].length);
    }
    return null;
  }

  function params() {
    var search = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value.trim() !== "") search.append(el.name, el.value.trim());
    });
    return search;
  }

  // Accept SPARQL JSON results, {variables|columns, rows} or a plain list of row objects.
  function normalise(data) {
    if (data && data.head && data.results) {
      return {
        columns: data.head.vars || [],
        rows: data.results.bindings.map(function (b) {
          var row = {};
          Object.keys(b).forEach(function (k) { row[k] = { value: b[k].value, iri: b[k].type === "uri" }; });
          return row;
        })
      };
    }
    var rows = Array.isArray(data) ? data : (data && (data.rows || data.results || data.bindings)) || [];
    var columns = (data && (data.variables || data.columns || data.vars)) || [];
    if (!columns.length && rows.length) columns = Object.keys(rows[0]);
    return {
      columns: columns,
      rows: rows.map(function (r) {
        var row = {};
        columns.forEach(function (k) {
          var v = r[k];
          if (v === null || v === undefined) return;
          if (typeof v === "object" && "value" in v) row[k] = { value: String(v.value), iri: v.type === "uri" };
          else row[k] = { value: String(v), iri: /^https?:\/\//.test(String(v)) };
        });
        return row;
      })
    };
  }

  function cell(value) {
    var td = document.createElement("td");
    if (!value) return td;
    if (value.iri) {
      var path = localPath(value.value);
      if (path) {
        var a = document.createElement("a");
        a.href = path;
        a.textContent = value.value.replace(/^.*[\/#]/, "") || value.value;
        a.title = value.value;
        td.appendChild(a);
        return td;
      }
      td.className = "iri";
    }
    td.textContent = value.value;
    return td;
  }

  function render(table) {
    target.textContent = "";
    var el = document.createElement("table");
    el.className = "results-table";
    var head = el.insertRow();
    table.columns.forEach(function (c) {
      var th = document.createElement("th");
      th.textContent = c;
      head.appendChild(th);
    });
    table.rows.forEach(function (row) {
      var tr = el.insertRow();
      table.columns.forEach(function (c) { tr.appendChild(cell(row[c])); });
    });
    target.appendChild(el);
  }

  function run(event) {
    if (event) event.preventDefault();
    var search = params();
    var url = api + (search.toString() ? "?" + search.toString() : "");
    apiLink.href = url;
    if (event) history.replaceState(null, "", "?" + search.toString());
    status.textContent = "Running…";
    target.textContent = "";
    var started = performance.now();
    fetch(url, { headers: { Accept: "application/sparql-results+json, application/json;q=0.9" } })
      .then(function (response) {
        return response.text().then(function (text) {
          var data = null;
          try { data = JSON.parse(text); } catch (e) { data = null; }
          if (!response.ok) {
            var message = (data && (data.detail || data.message || data.error)) || text || response.statusText;
            if (typeof message !== "string") message = JSON.stringify(message);
            throw new Error(message);
          }
          return data;
        });
      })
      .then(function (data) {
        var table = normalise(data);
        render(table);
        var seconds = ((performance.now() - started) / 1000).toFixed(2);
        status.textContent = table.rows.length + " row" + (table.rows.length === 1 ? "" : "s") + " in " + seconds + " s";
      })
      .catch(function (error) {
        status.textContent = "";
        var box = document.createElement("div");
        box.className = "error";
        box.textContent = error.message;
        target.appendChild(box);
      });
  }

  form.addEventListener("submit", run);
  run(null);
})();
