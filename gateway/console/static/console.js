// The console's own script (no inline script anywhere: the CSP forbids it).
// 1. htmx requests carry the page's CSRF token.
// 2. The report form's files are checked (type, size) before they leave the phone, then
//    uploaded one by one with a progress bar; each uploaded file becomes a hidden field.
(function () {
  "use strict";
  var TYPES = ["image/jpeg", "image/png", "image/webp", "application/pdf"];

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });

  function item(list, text, cls) {
    var li = document.createElement("li");
    li.className = cls || "";
    li.textContent = text;
    list.appendChild(li);
    return li;
  }

  function megabytes(bytes) { return (bytes / 1048576).toFixed(1) + " MiB"; }

  function pending(form, delta) {
    var count = (parseInt(form.getAttribute("data-pending") || "0", 10)) + delta;
    form.setAttribute("data-pending", String(count));
    var submit = form.querySelector('button[type="submit"]');
    if (submit) { submit.disabled = count > 0; }
  }

  function upload(input, file) {
    var kind = input.getAttribute("data-upload");
    var list = document.getElementById("uploads-" + kind);
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var accepted = (input.getAttribute("accept") || "").split(",");
    if (TYPES.indexOf(file.type) < 0 || accepted.indexOf(file.type) < 0) {
      item(list, file.name + "：只接受 JPEG、PNG、WebP 格式的照片和 PDF 文件", "field-error");
      return;
    }
    if (file.size > limit) {
      item(list, file.name + "：文件为 " + megabytes(file.size) + "，单个文件最大 " +
        megabytes(limit), "field-error");
      return;
    }
    var li = item(list, file.name + " ", "uploading");
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", file.name + " 上传进度");
    li.appendChild(bar);
    var form = input.form;
    pending(form, 1);
    var data = new FormData();
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/files");
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    });
    xhr.addEventListener("loadend", function () {
      pending(form, -1);
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (ignored) { answer = null; }
      if (xhr.status === 201 && answer) {
        li.className = "done";
        li.textContent = file.name + " · 已上传";
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "evidence_" + kind;
        hidden.value = String(answer.id);
        li.appendChild(hidden);
        var name = document.createElement("input");
        name.type = "hidden";
        name.name = "evidence_" + kind + "_name";
        name.value = file.name;
        li.appendChild(name);
      } else {
        li.className = "field-error";
        var why = answer && answer.error ? answer.error.message : "上传失败，请重试";
        var details = answer && answer.error && answer.error.details && answer.error.details.file;
        li.textContent = file.name + "：" + why + (details ? "（" + details.join("；") + "）" : "");
      }
    });
    xhr.send(data);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-upload]")) { return; }
    Array.prototype.forEach.call(input.files, function (file) { upload(input, file); });
    input.value = "";
  });
})();
