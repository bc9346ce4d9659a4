// Progressive enhancement of the CVSS calculators on the case page: the
// vector follows the selects as they change, and a CVSS 3.1 base score is
// computed as its specification defines it. A CVSS 4.0 score needs FIRST's
// lookup tables, so it is left to the server. The server builds and scores
// every vector again on save (package cvss); without this script the form
// works the same.
(function () {
  "use strict";

  var AV = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
  var AC = { L: 0.77, H: 0.44 };
  var UI = { N: 0.85, R: 0.62 };
  var CIA = { H: 0.56, L: 0.22, N: 0 };

  // roundup is Appendix A's Roundup of CVSS 3.1.
  function roundup(x) {
    var i = Math.round(x * 100000);
    return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
  }

  function rating(s) {
    if (s === 0) return "NONE";
    if (s < 4) return "LOW";
    if (s < 7) return "MEDIUM";
    if (s < 9) return "HIGH";
    return "CRITICAL";
  }

  // base31 is the base score of complete CVSS 3.1 base metrics.
  function base31(m) {
    var changed = m.S === "C";
    var pr = { N: 0.85, L: changed ? 0.68 : 0.62, H: changed ? 0.5 : 0.27 }[m.PR];
    var iss = 1 - (1 - CIA[m.C]) * (1 - CIA[m.I]) * (1 - CIA[m.A]);
    var impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
    var expl = 8.22 * AV[m.AV] * AC[m.AC] * pr * UI[m.UI];
    if (impact <= 0) return 0;
    return roundup(Math.min((changed ? 1.08 : 1) * (impact + expl), 10));
  }

  function update(fs) {
    var version = fs.getAttribute("data-cvss");
    var selects = fs.querySelectorAll("select[data-metric]");
    var extra = fs.querySelector("[data-extra]").value.trim().replace(/^\/+|\/+$/g, "");
    var vectorOut = fs.querySelector("[data-vector]");
    var scoreOut = fs.querySelector("[data-score]");
    var parts = [], metrics = {}, missing = 0, chosen = 0;
    for (var i = 0; i < selects.length; i++) {
      var code = selects[i].getAttribute("data-metric"), v = selects[i].value;
      if (v === "") {
        if (code !== "E") missing++;
        continue;
      }
      chosen++;
      metrics[code] = v;
      if (!(code === "E" && v === "X")) parts.push(code + ":" + v);
    }
    if (extra.indexOf("CVSS:") === 0) {
      vectorOut.textContent = extra;
      scoreOut.textContent = "scored on save";
      return;
    }
    if (chosen === 0 && extra === "") {
      vectorOut.textContent = "— (cleared on save)";
      scoreOut.textContent = "";
      return;
    }
    if (missing > 0) {
      vectorOut.textContent = "— choose every base metric";
      scoreOut.textContent = "";
      return;
    }
    if (extra !== "") parts.push(extra);
    vectorOut.textContent = "CVSS:" + version + "/" + parts.join("/");
    if (version === "3.1" && extra === "") {
      var s = base31(metrics);
      scoreOut.textContent = s.toFixed(1) + " " + rating(s);
    } else {
      scoreOut.textContent = "scored on save";
    }
  }

  var sets = document.querySelectorAll("fieldset[data-cvss]");
  for (var i = 0; i < sets.length; i++) {
    (function (fs) {
      fs.addEventListener("change", function () { update(fs); });
      fs.addEventListener("input", function () { update(fs); });
    })(sets[i]);
  }
})();
