/*
 * Direct uploads to S3 for the storages.uploads widget. No build step, no dependency.
 *
 * When a file is chosen, ask the sign view for a POST policy (or, above the
 * field's threshold, a multipart upload), send the file straight to S3 with
 * XMLHttpRequest (whose upload events drive the progress bar; parts go up a
 * few at a time), and put the upload token in the form. The file input then
 * loses its name, so the form submits the token and not the file. A failed
 * or cancelled multipart upload is aborted: S3 deletes its parts.
 *
 * Each widget's element fires bubbling events: directupload:start,
 * directupload:progress ({loaded, total}), directupload:done ({name}) and
 * directupload:error ({message}). window.storagesDirectUpload.init(element)
 * sets up a widget added to the page later.
 */
(function () {
  "use strict";

  const URL_BATCH = 20;  // part URLs asked for at once
  const PART_TRIES = 3;  // tries of each part before the upload fails

  class Cancelled extends Error {}

  function csrfToken(form) {
    const field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function s3Error(xhr) {
    const code = /<Code>([^<]*)<\/Code>/.exec(xhr.responseText || "");
    return "S3 refused the upload (" + (xhr.status || "no answer") + (code ? " " + code[1] : "") + ").";
  }

  function sizeText(bytes) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let unit = 0;
    while (bytes >= 1024 && unit < units.length - 1) { bytes /= 1024; unit += 1; }
    return (unit ? bytes.toFixed(1) : bytes) + " " + units[unit];
  }

  class DirectUpload {
    constructor(root) {
      this.root = root;
      this.input = root.querySelector("input[type=file]");
      this.token = root.querySelector("[data-direct-upload-token]");
      this.bar = root.querySelector("[data-direct-upload-bar]");
      this.progress = root.querySelector("[data-direct-upload-progress]");
      this.status = root.querySelector("[data-direct-upload-status]");
      this.name = this.input.name;
      this.requests = new Set();
      this.busy = false;
      this.input.addEventListener("change", () => this.start());
      root.querySelector("[data-direct-upload-cancel]").addEventListener("click", () => this.cancel());
      if (this.input.form) {
        this.input.form.addEventListener("submit", (event) => {
          if (this.busy) {
            event.preventDefault();
            this.say("Wait until the upload is finished.");
          }
        });
      }
    }

    emit(type, detail) {
      this.root.dispatchEvent(new CustomEvent("directupload:" + type, {bubbles: true, detail}));
    }

    say(text, isError) {
      this.status.textContent = text;
      this.status.classList.toggle("direct-upload-error", Boolean(isError));
    }

    report(loaded, total) {
      this.progress.value = total ? (100 * loaded) / total : 100;
      this.say(Math.floor(this.progress.value) + "% of " + sizeText(total));
      this.emit("progress", {loaded, total});
    }

    checkCancelled() {
      if (this.cancelled) throw new Cancelled("Upload cancelled.");
    }

    // A JSON POST to one of the upload views.
    async call(url, data) {
      this.checkCancelled();
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(this.input.form)},
        body: JSON.stringify(data),
      });
      let answer = {};
      try { answer = await response.json(); } catch (err) { answer = {}; }
      this.checkCancelled();
      if (!response.ok) throw new Error(answer.error || "The server refused the upload (" + response.status + ").");
      return answer;
    }

    // One request to S3, with upload progress; resolves to the finished XMLHttpRequest.
    send(method, url, body, onProgress) {
      return new Promise((resolve, reject) => {
        this.checkCancelled();
        const xhr = new XMLHttpRequest();
        this.requests.add(xhr);
        const done = (settle) => () => { this.requests.delete(xhr); settle(); };
        xhr.upload.addEventListener("progress", (event) => {
          if (event.lengthComputable) onProgress(event.loaded, event.total);
        });
        xhr.addEventListener("load", done(() => resolve(xhr)));
        xhr.addEventListener("error", done(() => reject(new Error("The upload to S3 failed (network error, or the bucket's CORS rules refuse this site)."))));
        xhr.addEventListener("abort", done(() => reject(new Cancelled("Upload cancelled."))));
        xhr.open(method, url);
        xhr.send(body);
      });
    }

    async start() {
      const file = this.input.files[0];
      if (this.busy) return;
      this.token.value = "";
      this.reset();
      if (!file) return;
      this.busy = true;
      this.cancelled = false;
      this.bar.hidden = false;
      this.emit("start", {name: file.name, size: file.size});
      this.report(0, file.size);
      let signed = null;
      try {
        signed = await this.call(this.root.dataset.signUrl, {
          field: this.root.dataset.ticket, filename: file.name, size: file.size, type: file.type,
        });
        const token = signed.method === "multipart" ? await this.multipart(file, signed) : await this.post(file, signed);
        this.checkCancelled();
        this.token.value = token;
        this.input.removeAttribute("name");  // the form now sends the token, not the file
        this.report(file.size, file.size);
        this.say("Uploaded " + file.name + " (" + sizeText(file.size) + "): submit the form to keep it.");
        this.emit("done", {name: signed.name});
      } catch (err) {
        if (signed && signed.method === "multipart") this.abort(signed.token);
        this.input.value = "";
        this.say(err.message, true);
        this.emit("error", {message: err.message});
      } finally {
        this.busy = false;
        this.bar.hidden = true;
        this.requests.clear();
      }
    }

    async post(file, signed) {
      const body = new FormData();
      for (const [field, value] of Object.entries(signed.fields)) body.append(field, value);
      body.append("file", file);  // S3 wants the file last
      const xhr = await this.send("POST", signed.url, body, (loaded, total) => {
        this.report(Math.min(file.size, (loaded / total) * file.size), file.size);
      });
      if (xhr.status < 200 || xhr.status >= 300) throw new Error(s3Error(xhr));
      return signed.token;
    }

    async multipart(file, signed) {
      const sent = new Array(signed.parts + 1).fill(0);
      const batches = {};
      const parts = [];
      let next = 1;
      const url = (number) => {
        const batch = Math.floor((number - 1) / URL_BATCH);
        if (!batches[batch]) {
          const first = batch * URL_BATCH + 1;
          const numbers = [];
          for (let n = first; n < first + URL_BATCH && n <= signed.parts; n += 1) numbers.push(n);
          batches[batch] = this.call(this.root.dataset.partsUrl, {token: signed.token, parts: numbers});
        }
        return batches[batch].then((answer) => answer.urls[String(number)]);
      };
      const sendPart = async (number) => {
        const blob = file.slice((number - 1) * signed.part_size, number * signed.part_size);
        const target = await url(number);
        let xhr = null;
        for (let attempt = 1; attempt <= PART_TRIES; attempt += 1) {
          try {
            xhr = await this.send("PUT", target, blob, (loaded) => {
              sent[number] = loaded;
              this.report(sent.reduce((a, b) => a + b, 0), file.size);
            });
            if (xhr.status >= 200 && xhr.status < 300) break;
          } catch (err) {
            if (err instanceof Cancelled || attempt === PART_TRIES) throw err;
          }
          sent[number] = 0;
        }
        if (xhr.status < 200 || xhr.status >= 300) throw new Error(s3Error(xhr));
        const etag = xhr.getResponseHeader("ETag");
        if (!etag) throw new Error("S3's answer hides the ETag header: the bucket's CORS rules must expose it.");
        sent[number] = blob.size;
        parts.push({part_number: number, etag});
      };
      const worker = async () => {
        while (next <= signed.parts) {
          const number = next;
          next += 1;
          await sendPart(number);
        }
      };
      const workers = Math.max(1, Math.min(Number(this.root.dataset.concurrency) || 4, signed.parts));
      await Promise.all(Array.from({length: workers}, worker));
      const done = await this.call(this.root.dataset.completeUrl, {token: signed.token, parts});
      return done.token;
    }

    abort(token) {
      // Best effort: if it fails, the bucket's lifecycle rule removes the parts later.
      fetch(this.root.dataset.abortUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(this.input.form)},
        body: JSON.stringify({token}),
      }).catch(() => {});
    }

    cancel() {
      this.cancelled = true;
      for (const xhr of Array.from(this.requests)) xhr.abort();
    }

    reset() {
      if (this.name) this.input.name = this.name;
    }
  }

  function init(root) {
    if (root.directUpload) return root.directUpload;
    root.directUpload = new DirectUpload(root);
    return root.directUpload;
  }

  window.storagesDirectUpload = {init};
  const all = () => document.querySelectorAll("[data-direct-upload]").forEach(init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
})();
