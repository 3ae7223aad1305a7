/* footnote's charts on a phone: no library, nothing fetched from elsewhere.
 *
 * Every figure.chart[data-svg] is redrawn by the server at the width of its frame (so its
 * text stays 13 px on any screen) and inlined. The run chart (data-chart="run") also reads
 * a value where it is tapped or hovered, shows an episode when its bar is tapped, and
 * zooms to an episode and back (the zoom links work without JavaScript too; here they
 * redraw in place and keep the address, so reload and the back button agree).
 *
 * The Content-Security-Policy allows this file and nothing inline: no eval, no inline
 * style. The values come from the page's JSON twin (/api/runs/{id} and its samples,
 * downsampled exactly as the drawing); the words from the page's JSON data block
 * #chart-words (footnote.server.vocabulary). Text goes in with textContent, never as markup.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var SVG_NS = "http://www.w3.org/2000/svg";
  var WIDTH_STEP = 10; // drawn at the frame's width rounded down: text is never shrunk
  var MIN_WIDTH = 240;
  var MAX_WIDTH = 2400;

  // -- numbers as footnote.server.vocabulary writes them ----------------------------------
  // Python rounds an exact tie to even (round(0.5) == 0, f"{2.125:.2f}" == "2.12");
  // toFixed rounds it up. The browser tests compare both on real values.
  function fixed(x, digits) {
    var scale = Math.pow(10, digits);
    var scaled = x * scale;
    var floor = Math.floor(scaled);
    if (scaled - floor === 0.5) {
      return ((floor % 2 === 0 ? floor : floor + 1) / scale).toFixed(digits);
    }
    return x.toFixed(digits);
  }

  function pad2(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock(tS) {
    var t = Number(fixed(tS, 0));
    var h = Math.floor(t / 3600);
    var m = Math.floor((t % 3600) / 60);
    var s = t % 60;
    return h ? h + ":" + pad2(m) + ":" + pad2(s) : m + ":" + pad2(s);
  }

  function formatter(words) {
    var units = words.units;
    return {
      clock: clock,
      km: function (m) {
        return m === null || m === undefined
          ? words.chart.unknown_distance
          : fixed(m / units.metres, 2) + " " + units.km;
      },
      speed: function (v) {
        return fixed(v, 1) + " " + units.speed;
      },
      // minutes per km or mile, as server.words.vocabulary.pace writes it
      pace: function (v) {
        if (v === null || v === undefined || v < words.pace_slowest_mps) return "-";
        var s = Math.round(units.metres / v);
        return Math.floor(s / 60) + ":" + pad2(s % 60) + " " + units.pace;
      },
      cadence: function (v) {
        return fixed(v, 0) + " " + units.cadence;
      },
    };
  }

  // -- small DOM helpers ------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    return node;
  }

  function fetchOk(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "*/*" } }).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response;
    });
  }

  function fetchSvg(url) {
    return fetchOk(url)
      .then(function (response) {
        return response.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "image/svg+xml");
        if (doc.documentElement.nodeName !== "svg") throw new Error(url + ": not an SVG");
        return document.importNode(doc.documentElement, true);
      });
  }

  function fetchJson(url) {
    return fetchOk(url).then(function (response) {
      return response.json();
    });
  }

  function drawWidth(frame) {
    var w = Math.floor(frame.clientWidth / WIDTH_STEP) * WIDTH_STEP;
    return Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, w));
  }

  // -- any chart: drawn by the server at the frame's width ---------------------------------
  function Chart(figure) {
    this.figure = figure;
    this.frame = figure.querySelector(".chart-frame");
    this.width = 0;
    this.drawn = 0; // the latest request wins when zooms and resizes overlap
    this.svg = null;
  }

  Chart.prototype.svgUrl = function () {
    return this.figure.dataset.svg + "?width=" + this.width;
  };

  Chart.prototype.draw = function () {
    var self = this;
    var ticket = ++this.drawn;
    this.width = drawWidth(this.frame);
    this.figure.dataset.state = "loading";
    return fetchSvg(this.svgUrl())
      .then(function (svg) {
        if (ticket !== self.drawn) return null;
        svg.id = self.figure.dataset.chartId;
        svg.removeAttribute("width");
        svg.removeAttribute("height");
        svg.setAttribute("class", (svg.getAttribute("class") || "") + " chart-svg");
        return self.drawn_(svg, ticket);
      })
      .catch(function (error) {
        // The server-drawn picture stays; the page still reads.
        self.figure.dataset.state = "failed";
        if (window.console) console.warn("footnote chart:", error);
      });
  };

  Chart.prototype.drawn_ = function (svg, ticket) {
    this.frame.replaceChildren(svg);
    this.svg = svg;
    if (ticket === this.drawn) this.figure.dataset.state = "ready";
  };

  Chart.prototype.watchSize = function () {
    var self = this;
    var timer = null;
    var redraw = function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (drawWidth(self.frame) !== self.width) self.draw();
      }, 150);
    };
    if (window.ResizeObserver) new ResizeObserver(redraw).observe(this.frame);
    else window.addEventListener("resize", redraw);
  };

  // -- the run chart: tap, hover, keys, zoom -----------------------------------------------
  function RunChart(figure, words) {
    Chart.call(this, figure);
    this.words = words;
    this.fmt = formatter(words);
    this.readout = figure.querySelector(".chart-readout");
    this.window = figure.dataset.fromS ? [Number(figure.dataset.fromS), Number(figure.dataset.toS)] : null;
    this.run = null;
    this.points = [];
    this.selected = null; // {kind: "point", index} or {kind: "episode", number}
  }
  RunChart.prototype = Object.create(Chart.prototype);

  RunChart.prototype.svgUrl = function () {
    var url = Chart.prototype.svgUrl.call(this);
    return this.window ? url + "&from_s=" + this.window[0] + "&to_s=" + this.window[1] : url;
  };

  RunChart.prototype.samplesUrl = function (maxPoints) {
    var url = this.figure.dataset.samples + "?max_points=" + maxPoints;
    return this.window ? url + "&from_s=" + this.window[0] + "&to_s=" + this.window[1] : url;
  };

  RunChart.prototype.drawn_ = function (svg, ticket) {
    var self = this;
    var run = this.run ? Promise.resolve(this.run) : fetchJson(this.figure.dataset.runJson);
    return Promise.all([run, fetchJson(this.samplesUrl(svg.dataset.maxPoints))]).then(function (got) {
      if (ticket !== self.drawn) return;
      self.run = got[0];
      self.points = got[1].samples;
      Chart.prototype.drawn_.call(self, svg, ticket);
      self.geometry = {
        t0: Number(svg.dataset.t0),
        t1: Number(svg.dataset.t1),
        width: Number(svg.dataset.width),
        left: Number(svg.dataset.plotLeft),
        plotWidth: Number(svg.dataset.plotWidth),
        gapS: Number(svg.dataset.gapS),
      };
      self.listen(svg);
      self.restoreSelection();
    });
  };

  RunChart.prototype.init = function () {
    var self = this;
    this.frame.tabIndex = 0;
    this.frame.setAttribute("role", "group");
    this.frame.setAttribute("aria-label", this.words.chart.keys);
    this.frame.setAttribute("aria-describedby", this.readout.id);
    this.frame.addEventListener("keydown", function (event) {
      self.key(event);
    });
    this.figure.querySelectorAll(".chart-zoom a").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        self.zoomTo(link, true);
      });
    });
    window.addEventListener("popstate", function () {
      var params = new URLSearchParams(location.search);
      var from = params.get("from_s");
      var to = params.get("to_s");
      self.setWindow(from !== null && to !== null ? [Number(from), Number(to)] : null);
    });
    this.watchSize();
    return this.draw();
  };

  RunChart.prototype.zoomTo = function (link, push) {
    var from = link.dataset.fromS;
    var win = from !== undefined ? [Number(from), Number(link.dataset.toS)] : null;
    if (push) history.pushState(null, "", link.getAttribute("href"));
    // The zoom links sit below the chart: bring the chart back into view, as the link's #chart would.
    if (this.figure.getBoundingClientRect().top < 0) this.figure.scrollIntoView({ block: "start" });
    this.setWindow(win);
  };

  RunChart.prototype.setWindow = function (win) {
    this.window = win;
    this.figure.querySelectorAll(".chart-zoom a").forEach(function (link) {
      var current = win
        ? Number(link.dataset.fromS) === win[0] && Number(link.dataset.toS) === win[1]
        : link.dataset.fromS === undefined;
      if (current) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
    return this.draw();
  };

  RunChart.prototype.listen = function (svg) {
    var self = this;
    svg.addEventListener("pointerdown", function (event) {
      self.pointer(event, true);
    });
    svg.addEventListener("pointermove", function (event) {
      // A mouse reads on hover; a finger reads where it is put down and as it slides sideways.
      if (event.pointerType === "mouse" || event.buttons) self.pointer(event, false);
    });
  };

  RunChart.prototype.toViewBox = function (event) {
    var box = this.svg.getBoundingClientRect();
    var scale = box.width / this.geometry.width;
    return { x: (event.clientX - box.left) / scale, y: (event.clientY - box.top) / scale };
  };

  RunChart.prototype.timeAt = function (x) {
    var g = this.geometry;
    var f = Math.min(1, Math.max(0, (x - g.left) / g.plotWidth));
    return g.t0 + f * (g.t1 - g.t0);
  };

  RunChart.prototype.xOf = function (t) {
    var g = this.geometry;
    return g.left + ((t - g.t0) / (g.t1 - g.t0)) * g.plotWidth;
  };

  RunChart.prototype.pointer = function (event, down) {
    var bar = event.target.closest ? event.target.closest(".episode-bar") : null;
    if (bar) {
      if (down || event.pointerType === "mouse") this.showEpisode(Number(bar.dataset.episode));
      return;
    }
    var at = this.toViewBox(event);
    this.showTime(this.timeAt(at.x));
  };

  RunChart.prototype.nearest = function (t) {
    var pts = this.points;
    if (!pts.length) return -1;
    var lo = 0;
    var hi = pts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (pts[mid][0] < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && t - pts[lo - 1][0] <= pts[lo][0] - t) lo -= 1;
    return lo;
  };

  RunChart.prototype.stateAt = function (t) {
    // as footnote.server.analysis.state_at
    var segments = this.run.segments;
    for (var i = 0; i < segments.length; i++) {
      if (segments[i].start_s <= t && t < segments[i].end_s) return segments[i].state;
    }
    if (segments.length && t >= segments[segments.length - 1].end_s) return segments[segments.length - 1].state;
    return "unknown";
  };

  RunChart.prototype.showTime = function (t) {
    var i = this.nearest(t);
    if (i < 0 || Math.abs(this.points[i][0] - t) > this.geometry.gapS) {
      this.showGap(t);
    } else {
      this.showPoint(i);
    }
  };

  RunChart.prototype.fields = function (rows) {
    var list = el("dl", "readout-fields");
    rows.forEach(function (row) {
      var item = el("div");
      item.appendChild(el("dt", null, row[1]));
      var value = el("dd", null, row[2]);
      // a field of the sample itself; a value shown from another (pace, from speed) is marked apart
      if (row[3] === "derived") value.dataset.derived = row[0];
      else value.dataset.field = row[0];
      item.appendChild(value);
      list.appendChild(item);
    });
    return list;
  };

  RunChart.prototype.show = function (kind, nodes) {
    this.readout.replaceChildren.apply(this.readout, nodes);
    this.readout.dataset.kind = kind;
  };

  RunChart.prototype.showPoint = function (i) {
    var w = this.words.chart;
    var p = this.points[i];
    var state = this.stateAt(p[0]);
    var list = this.fields([
      ["time", w.time, clock(p[0]) + " " + w.in],
      ["distance", w.distance, this.fmt.km(p[3])],
      ["speed", w.speed_word, p[1] === null ? "-" : this.fmt.speed(p[1])],
      ["pace", w.pace_word, p[1] === null ? "-" : this.fmt.pace(p[1]), "derived"],
      ["cadence", w.cadence_word, p[2] === null ? "-" : this.fmt.cadence(p[2])],
    ].concat(
      p.length > 4 ? [["heart_rate", w.heart_rate_word, p[4] === null || p[4] === undefined ? "-" : fixed(p[4], 0) + " " + w.bpm]] : [],
      [["state", w.state, this.words.states[state]]]
    ));
    list.dataset.tS = String(p[0]);
    this.selected = { kind: "point", index: i, t: p[0] };
    this.show("point", [list]);
    this.cursor(p[0], p);
    this.markEpisode(null);
  };

  RunChart.prototype.showGap = function (t) {
    var w = this.words.chart;
    var list = this.fields([
      ["time", w.time, clock(t) + " " + w.in],
      ["state", w.state, this.words.states[this.stateAt(t)]],
      ["speed", w.speed_word, w.no_samples],
    ]);
    this.selected = { kind: "gap", t: t };
    this.show("gap", [list]);
    this.cursor(t, null);
    this.markEpisode(null);
  };

  RunChart.prototype.episode = function (number) {
    return this.run.episodes.filter(function (ep) {
      return ep.number === number;
    })[0];
  };

  RunChart.prototype.showEpisode = function (number) {
    var w = this.words.chart;
    var fmt = this.fmt;
    var ep = this.episode(number);
    if (!ep) return;
    var title = el("p", "readout-title");
    var badge = el("span", "badge " + ep.label, w.episode + " " + ep.number + ": " + this.words.labels[ep.label]);
    title.appendChild(badge);
    var started = el("p", "readout-sub", w.started);
    var list = this.fields([
      ["time", w.time, clock(ep.onset_t_s) + " " + w.in],
      ["distance", w.distance, fmt.km(ep.onset_distance_m)],
      ["speed", w.speed_word, ep.onset_speed_mps === null ? "-" : fmt.speed(ep.onset_speed_mps)],
      ["pace", w.pace_word, ep.onset_speed_mps === null ? "-" : fmt.pace(ep.onset_speed_mps), "derived"],
      ["cadence", w.cadence_word, ep.onset_cadence_spm === null ? "-" : fmt.cadence(ep.onset_cadence_spm)],
      ["state", w.state, this.words.states[ep.onset_state]],
    ]);
    var nodes = [title, started, list];
    if (ep.escalations.length) {
      var worse = el("p", "readout-line");
      worse.dataset.field = "worse";
      worse.textContent =
        w.got_worse +
        ": " +
        ep.escalations
          .map(function (e) {
            return clock(e.t_s) + " " + w.in;
          })
          .join(", ");
      nodes.push(worse);
    }
    var end = el("p", "readout-line");
    end.dataset.field = "end";
    end.textContent =
      ep.ended_by === "relief"
        ? w.relief + ": " + clock(ep.end_t_s) + " " + w.in + ", " + this.words.states[ep.end_state]
        : w.still_numb + " (" + clock(ep.end_t_s) + " " + w.in + ")";
    nodes.push(end);
    var link = this.figure.querySelector('.chart-zoom a[data-episode="' + number + '"]');
    if (link) {
      var zoom = el("a", "button zoom", w.zoom_to + " " + number);
      zoom.href = link.getAttribute("href");
      zoom.dataset.fromS = link.dataset.fromS;
      zoom.dataset.toS = link.dataset.toS;
      var self = this;
      zoom.addEventListener("click", function (event) {
        event.preventDefault();
        self.zoomTo(zoom, true);
      });
      nodes.push(zoom);
    }
    this.selected = { kind: "episode", number: number };
    this.show("episode", nodes);
    this.readout.dataset.episode = String(number);
    this.cursor(null);
    this.markEpisode(number);
  };

  RunChart.prototype.markEpisode = function (number) {
    if (!this.svg) return;
    this.svg.querySelectorAll(".episode-bar").forEach(function (bar) {
      bar.classList.toggle("selected", Number(bar.dataset.episode) === number);
    });
    if (number === null) delete this.readout.dataset.episode;
  };

  RunChart.prototype.cursor = function (t, point) {
    var old = this.svg && this.svg.querySelector(".cursor");
    if (old) old.remove();
    if (t === null || !this.svg || t < this.geometry.t0 || t > this.geometry.t1) return;
    var x = this.xOf(t);
    var group = svgEl("g", { class: "cursor", "pointer-events": "none" });
    var panels = this.svg.querySelectorAll(".panel");
    var top = Number(panels[0].dataset.top);
    var last = panels[panels.length - 1];
    var bottom = Number(last.dataset.top) + Number(last.dataset.height);
    group.appendChild(svgEl("line", { x1: x, x2: x, y1: top, y2: bottom, stroke: "#1d1d1f", "stroke-width": 2 }));
    if (point) {
      panels.forEach(function (panel) {
        var value = point[Number(panel.dataset.index)];
        if (value === null || value === undefined) return;
        var h = Number(panel.dataset.height);
        var y = Number(panel.dataset.top) + h - (Math.min(value, Number(panel.dataset.max)) / Number(panel.dataset.max)) * h;
        group.appendChild(svgEl("circle", { cx: x, cy: y, r: 6, fill: "#fff", stroke: "#1d1d1f", "stroke-width": 3 }));
      });
    }
    this.svg.appendChild(group);
  };

  RunChart.prototype.restoreSelection = function () {
    var s = this.selected;
    if (!s) return;
    if (s.kind === "episode") this.markEpisode(s.number);
    else if (s.kind === "point") {
      var i = this.nearest(s.t);
      if (i >= 0 && this.points[i][0] === s.t) this.cursor(s.t, this.points[i]);
      else this.cursor(s.t, null);
    }
  };

  RunChart.prototype.key = function (event) {
    if (!this.points.length) return;
    var steps = { ArrowRight: 1, ArrowLeft: -1, PageDown: 10, PageUp: -10 };
    var i;
    if (event.key in steps) {
      var current = this.selected && this.selected.kind === "point" ? this.selected.index : -1;
      i = current < 0 ? 0 : current + steps[event.key];
    } else if (event.key === "Home") i = 0;
    else if (event.key === "End") i = this.points.length - 1;
    else if (event.key === "Escape") {
      this.selected = null;
      this.cursor(null);
      this.markEpisode(null);
      return;
    } else return;
    event.preventDefault();
    this.showPoint(Math.max(0, Math.min(this.points.length - 1, i)));
  };

  // -- start -------------------------------------------------------------------------------
  function start() {
    var wordsNode = document.getElementById("chart-words");
    var words = wordsNode ? JSON.parse(wordsNode.textContent) : null;
    document.querySelectorAll("figure.chart[data-svg]").forEach(function (figure) {
      if (figure.dataset.chart === "run" && words) {
        new RunChart(figure, words).init();
      } else {
        var chart = new Chart(figure);
        chart.watchSize();
        chart.draw();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
