// The library page's writes: add files and URLs as an ingest job and follow its progress,
// delete an article after a confirmation. Both send the API token the reader typed, kept
// in this tab's sessionStorage only. Everything shown is set as text, never as HTML.
(function () {
  "use strict";
  var KEY = "newsrag-token";
  var LABELS = {
    waiting: "Waiting for the job before it",
    fetching: "Fetching the URLs",
    reading: "Reading",
    embedding: "Embedding passages",
    finished: "Finished"
  };
  var tokenBox = document.getElementById("token");
  var form = document.getElementById("add-form");
  var files = document.getElementById("files");
  var url = document.getElementById("url");
  var addButton = document.getElementById("add");
  var jobBox = document.getElementById("job");
  var bar = document.getElementById("job-bar");
  var statusLine = document.getElementById("job-status");
  var results = document.getElementById("job-results");

  function token() { return sessionStorage.getItem(KEY) || ""; }
  function markToken() { document.body.classList.toggle("has-token", token() !== ""); }
  tokenBox.value = token();
  markToken();
  tokenBox.addEventListener("input", function () {
    sessionStorage.setItem(KEY, tokenBox.value.trim());
    markToken();
  });

  function say(text, isError) {
    jobBox.hidden = false;
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      body: body,
      credentials: "omit",
      headers: { "Authorization": "Bearer " + token() }
    });
  }

  function explain(response) {
    return response.json().then(function (b) { return b.detail; }, function () { return response.statusText; })
      .then(function (detail) {
        if (response.status === 401) { return "The API token is wrong (" + detail + ")."; }
        if (response.status === 403) { return "Adding and deleting are switched off on this server: " + detail; }
        return detail || ("The server answered " + response.status + ".");
      });
  }

  function unreachable() { say("The server cannot be reached; try again.", true); addButton.disabled = false; }

  function item(entry) {
    var li = document.createElement("li");
    var name = document.createElement("strong");
    name.textContent = entry.name;
    li.appendChild(name);
    var ids = Object.keys(entry.documents);
    ids.forEach(function (id, i) {
      li.appendChild(document.createTextNode(i === 0 ? " — " : ", "));
      var a = document.createElement("a");
      a.href = "/documents/" + encodeURIComponent(id);
      a.textContent = id;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" " + entry.documents[id]));
    });
    entry.errors.forEach(function (e) {
      var p = document.createElement("div");
      p.className = "error";
      p.textContent = e;
      li.appendChild(p);
    });
    return li;
  }

  function show(job) {
    document.getElementById("add-panel").open = true;
    jobBox.hidden = false;
    if (job.total > 0) { bar.max = job.total; bar.value = job.done; } else { bar.removeAttribute("value"); }
    if (job.state === "done") {
      bar.max = 1; bar.value = 1;
      var failed = job.items.filter(function (i) { return i.errors.length > 0; }).length;
      say("Done: " + (job.items.length - failed) + " of " + job.items.length + " added or already in the library.",
          failed > 0);
    } else if (job.state === "failed" || job.state === "interrupted") {
      say("The job " + job.state + ": " + job.error, true);
    } else {
      say((LABELS[job.stage] || job.stage) + (job.total > 0 ? " " + job.done + " of " + job.total : "") + "…");
    }
    results.textContent = "";
    job.items.forEach(function (entry) { results.appendChild(item(entry)); });
  }

  function follow(id) {
    api("GET", "/v1/ingest-jobs/" + encodeURIComponent(id)).then(function (response) {
      if (!response.ok) {
        return explain(response).then(function (m) { say(m, true); addButton.disabled = false; });
      }
      return response.json().then(function (job) {
        show(job);
        var here = new URL(location.href);
        if (job.state === "queued" || job.state === "running") {
          setTimeout(function () { follow(id); }, 400);
        } else if (job.state === "done" && here.searchParams.get("job") !== id) {
          here.searchParams.set("job", id);  // reload: the list with the new articles, and these results
          location.replace(here.toString());
        } else {
          addButton.disabled = false;
        }
      });
    }, unreachable);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var link = url.value.trim();
    if (!token()) { say("Enter the API token (RAG_API_TOKEN) first.", true); tokenBox.focus(); return; }
    if (files.files.length === 0 && link === "") { say("Choose files or enter the URL of a page or a feed.", true); return; }
    var data = new FormData();
    Array.prototype.forEach.call(files.files, function (f) { data.append("files", f, f.name); });
    if (link !== "") { data.append("urls", link); }
    addButton.disabled = true;
    results.textContent = "";
    say("Sending…");
    api("POST", "/v1/ingest-jobs", data).then(function (response) {
      if (response.status !== 202) {
        return explain(response).then(function (m) { say(m, true); addButton.disabled = false; });
      }
      return response.json().then(function (job) { form.reset(); show(job); follow(job.id); });
    }, unreachable);
  });

  Array.prototype.forEach.call(document.querySelectorAll("button.delete"), function (button) {
    button.addEventListener("click", function () {
      var id = button.getAttribute("data-id");
      var title = button.getAttribute("data-title");
      if (!window.confirm("Delete “" + title + "” from the library? It will no longer be searched or cited.")) {
        return;
      }
      button.disabled = true;
      api("DELETE", "/v1/documents/" + encodeURIComponent(id)).then(function (response) {
        if (!response.ok) {
          return explain(response).then(function (m) { say(m, true); button.disabled = false; });
        }
        var row = button.closest("tr");
        row.parentNode.removeChild(row);
        say("Deleted “" + title + "”.");
      }, unreachable);
    });
  });

  var asked = new URL(location.href).searchParams.get("job");
  if (asked && token()) { follow(asked); }
})();
