// The device check page: camera preview, microphone level, test sound and connection measure.
(function () {
  "use strict";
  var root = document.getElementById("devicecheck");
  if (!root) return;
  var form = root.querySelector("[data-part=result-form]");
  var field = function (name) { return form.querySelector("[name=" + name + "]"); };
  var say = function (part, text, ok) {
    var node = root.querySelector("[data-part=" + part + "]");
    node.textContent = text;
    node.className = node.className.replace(/ ?text-(success|danger)/g, "") + (ok ? " text-success" : " text-danger");
  };
  var faDigits = function (n) { return String(n).replace(/\d/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }); };
  field("camera_ok").value = field("camera_ok").value || "false";
  field("microphone_ok").value = field("microphone_ok").value || "false";

  function listen(stream) {
    var AudioContext = window.AudioContext || window.webkitAudioContext;
    var meter = document.getElementById("mic-level");
    if (!AudioContext || !stream.getAudioTracks().length) { say("mic-status", form.dataset.textMicNo, false); return; }
    var context = new AudioContext();
    var analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    var samples = new Uint8Array(analyser.fftSize);
    var heard = false;
    (function tick() {
      analyser.getByteTimeDomainData(samples);
      var peak = 0;
      for (var i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i] - 128));
      var level = Math.min(100, Math.round(peak / 128 * 100 * 2));
      meter.value = level;
      // A few percent is the hiss of a live microphone; speech goes well above it.
      if (!heard && level >= 8) {
        heard = true;
        field("microphone_ok").value = "true";
        say("mic-status", form.dataset.textMicOk, true);
      }
      window.requestAnimationFrame(tick);
    })();
  }

  root.querySelector("[data-action=media]").addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("camera-status", form.dataset.textCameraNo, false);
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then(function (stream) {
      var preview = root.querySelector("[data-part=preview]");
      var video = preview.querySelector("video");
      preview.classList.remove("d-none");
      video.srcObject = stream;
      video.addEventListener("loadeddata", function () {
        if (video.videoWidth > 0) {
          field("camera_ok").value = "true";
          say("camera-status", form.dataset.textCameraOk, true);
        }
      }, { once: true });
      say("mic-status", form.dataset.textMicNo, false);
      listen(stream);
    }).catch(function () {
      say("camera-status", form.dataset.textCameraNo, false);
      root.querySelector("details").open = true;
    });
  });

  root.querySelector("[data-action=tone]").addEventListener("click", function () {
    var tone = root.querySelector("[data-part=tone]");
    tone.currentTime = 0;
    var playing = tone.play();
    if (playing && playing.catch) playing.catch(function () {}); // no speaker: the box stays unticked
  });

  function timed(url) {
    var started = performance.now();
    return fetch(url + "?t=" + Math.random(), { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.arrayBuffer();
      })
      .then(function (body) { return { ms: performance.now() - started, bytes: body.byteLength }; });
  }

  root.querySelector("[data-action=network]").addEventListener("click", function () {
    var status = root.querySelector("[data-part=network-status]");
    var button = this;
    button.disabled = true;
    say("network-status", status.dataset.textMeasuring, true);
    var rtts = [];
    var chain = timed(root.dataset.pingUrl); // the first one opens the connection: not counted
    for (var i = 0; i < 5; i++) {
      chain = chain.then(function () { return timed(root.dataset.pingUrl); })
        .then(function (r) { rtts.push(r.ms); });
    }
    chain.then(function () { return timed(root.dataset.payloadUrl); }).then(function (download) {
      rtts.sort(function (a, b) { return a - b; });
      var rtt = Math.round(rtts[Math.floor(rtts.length / 2)]);
      var kbps = Math.round(download.bytes * 8 / Math.max(download.ms, 1));
      field("rtt_ms").value = rtt;
      field("download_kbps").value = kbps;
      say("network-status", status.dataset.textResult.replace("{rtt}", faDigits(rtt)).replace("{speed}", faDigits(kbps)), true);
    }).catch(function () {
      say("network-status", status.dataset.textFailed, false);
    }).then(function () { button.disabled = false; });
  });
})();
