// The flowtrace page: traffic over time per task (uPlot) and ranked keys as bars.
// Live (served at /ui/): polls the query server's JSON routes. Static (a report file): reads the model embedded
// as JSON in the script element with id flowtrace-data. Every text from the data is set with textContent or
// setAttribute, never as HTML: task names and keys come from traffic.
// The model: {title, subtitle, series: [{name, note, times: [epoch s], packets: [], bytes: []}],
//             bars: [{title, unit, rows: [{key, value}]}]}
// What was drawn is written into the DOM (data-rendered, data-points, data-bars) so a headless browser can check it.
(function () {
  'use strict';
  var HITTER_TYPES = {0: 'heavy hitters by packets', 1: 'heavy hitters by bytes', 2: 'super-spreaders by spread'};
  var plots = [];
  var lastDrawn = null;
  var renders = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function sum(values) {
    return values.reduce(function (a, v) { return a + (v || 0); }, 0);
  }

  function drawSeries(root, s) {
    var sec = el('section', 'series');
    sec.setAttribute('data-task', s.name);
    sec.appendChild(el('h3', null, s.note ? s.name + ' (' + s.note + ')' : s.name));
    root.appendChild(sec);
    if (!s.times.length) {
      sec.appendChild(el('p', 'empty', 'no snapshots yet'));
      sec.setAttribute('data-points', '0');
      return 0;
    }
    var box = el('div', 'plot');
    sec.appendChild(box);
    var opts = {
      width: Math.max(300, (root.clientWidth || 800) - 30),
      height: 220,
      series: [
        {},
        {label: 'packets', stroke: '#3a7bd5', width: 2, scale: 'packets', points: {show: s.times.length < 60}},
        {label: 'bytes', stroke: '#d5793a', width: 2, scale: 'bytes', points: {show: s.times.length < 60}}
      ],
      axes: [
        {},
        {scale: 'packets', label: 'packets', size: 70},
        {scale: 'bytes', label: 'bytes', side: 1, size: 90, grid: {show: false}}
      ]
    };
    var plot = new uPlot(opts, [s.times, s.packets, s.bytes], box);
    plots.push(plot);
    var drawn = plot.data[0].length;
    sec.setAttribute('data-points', String(drawn));
    sec.setAttribute('data-last-packets', String(s.packets[s.packets.length - 1]));
    sec.setAttribute('data-last-bytes', String(s.bytes[s.bytes.length - 1]));
    sec.setAttribute('data-sum-packets', String(sum(plot.data[1])));
    sec.setAttribute('data-sum-bytes', String(sum(plot.data[2])));
    return drawn;
  }

  function drawBars(root, b) {
    var sec = el('section', 'ranking');
    sec.setAttribute('data-title', b.title);
    sec.appendChild(el('h3', null, b.title));
    root.appendChild(sec);
    if (!b.rows.length) {
      sec.appendChild(el('p', 'empty', 'nothing yet'));
      sec.setAttribute('data-bars', '0');
      return 0;
    }
    var max = 1;
    b.rows.forEach(function (r) { max = Math.max(max, r.value); });
    var ol = el('ol', 'bars');
    b.rows.forEach(function (r) {
      var li = el('li');
      li.setAttribute('data-key', r.key);
      li.setAttribute('data-value', String(r.value));
      li.appendChild(el('span', 'key', r.key));
      var bar = el('span', 'bar');
      var fill = el('span', 'fill');
      fill.style.width = (100 * r.value / max).toFixed(1) + '%';
      bar.appendChild(fill);
      li.appendChild(bar);
      li.appendChild(el('span', 'value', r.value));
      li.title = r.key + ': ' + r.value + ' ' + (b.unit || '');
      ol.appendChild(li);
    });
    sec.appendChild(ol);
    sec.setAttribute('data-bars', String(b.rows.length));
    return b.rows.length;
  }

  function render(model) {
    var text = JSON.stringify(model);
    if (text === lastDrawn) return;
    lastDrawn = text;
    plots.forEach(function (p) { p.destroy(); });
    plots = [];
    var seriesRoot = document.getElementById('series');
    var barsRoot = document.getElementById('bars');
    clear(seriesRoot);
    clear(barsRoot);
    document.getElementById('title').textContent = model.title || 'flowtrace';
    document.title = model.title || 'flowtrace';
    var points = 0;
    var bars = 0;
    model.series.forEach(function (s) { points += drawSeries(seriesRoot, s); });
    if (!model.series.length) seriesRoot.appendChild(el('p', 'empty', 'no tasks'));
    model.bars.forEach(function (b) { bars += drawBars(barsRoot, b); });
    renders++;
    document.body.setAttribute('data-points', String(points));
    document.body.setAttribute('data-bars', String(bars));
    document.body.setAttribute('data-charts', String(plots.length));
    document.body.setAttribute('data-rendered', String(renders));
  }

  function status(text, failed) {
    document.getElementById('status').textContent = text;
    if (failed) document.body.setAttribute('data-error', text);
    else document.body.removeAttribute('data-error');
  }

  // ---- live: the query server's routes, relative to /ui/ ----

  function call(path, body) {
    var init = body === undefined ? {cache: 'no-store'}
      : {method: 'POST', cache: 'no-store', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)};
    return fetch('../' + path, init).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(path + ': ' + r.status + ' ' + (j && j.error ? j.error : ''));
        return j;
      });
    });
  }

  function series(task, answer) {
    var byTime = {};
    answer.forEach(function (t) {
      var metric = t.target.slice(t.target.lastIndexOf(':') + 1);
      if (t.target.slice(0, t.target.lastIndexOf(':')) !== task) return;
      t.datapoints.forEach(function (p) {
        var at = byTime[p[1]] || (byTime[p[1]] = {packets: null, bytes: null});
        at[metric === 'total_bytes' ? 'bytes' : 'packets'] = p[0];
      });
    });
    var times = Object.keys(byTime).map(Number).sort(function (a, b) { return a - b; });
    return {
      name: task,
      note: 'per snapshot',
      times: times.map(function (ms) { return ms / 1000; }),
      packets: deltas(times.map(function (ms) { return byTime[ms].packets; })),
      bytes: deltas(times.map(function (ms) { return byTime[ms].bytes; }))
    };
  }

  // The query API answers running totals; the chart shows what each snapshot added. A lower total means the
  // task's period began again, so that snapshot added all it holds.
  function deltas(totals) {
    var before = 0;
    return totals.map(function (v) {
      if (v === null) return null;
      var added = v >= before ? v - before : v;
      before = v;
      return added;
    });
  }

  function loadLive() {
    return call('api/v1/tasks').then(function (tasks) {
      var targets = [];
      tasks.forEach(function (t) {
        targets.push({target: t.task_name + ':total_packets'}, {target: t.task_name + ':total_bytes'});
      });
      var asks = [call('query', {targets: targets})];
      var titles = [];
      tasks.forEach(function (t) {
        (t.kind === 'sketch' ? t.types : []).forEach(function (type) {
          titles.push({title: t.task_name + ': ' + (HITTER_TYPES[type] || 'type ' + type),
            unit: type === 2 ? 'distinct' : type === 1 ? 'bytes' : 'packets'});
          asks.push(call('api/v1/heavyhitters', {task_name: t.task_name, type: type, limit: 10}));
        });
      });
      return Promise.all(asks).then(function (answers) {
        return {
          title: 'flowtrace engine',
          series: tasks.map(function (t) { return series(t.task_name, answers[0]); }),
          bars: titles.map(function (t, i) {
            return {title: t.title, unit: t.unit, rows: answers[i + 1].hitters.map(function (h) {
              return {key: h.flow, value: h.value};
            })};
          })
        };
      });
    });
  }

  function poll(every) {
    loadLive().then(function (model) {
      render(model);
      status('live: refreshed ' + new Date().toLocaleTimeString() + ', every ' + every + ' s', false);
    }).catch(function (e) {
      status('cannot reach the engine: ' + e.message + ' (retrying every ' + every + ' s)', true);
    }).then(function () {
      setTimeout(function () { poll(every); }, every * 1000);
    });
  }

  function start() {
    var embedded = document.getElementById('flowtrace-data');
    if (embedded) {
      var model = JSON.parse(embedded.textContent);
      render(model);
      status(model.subtitle || '', false);
      return;
    }
    var every = Number(new URLSearchParams(location.search).get('refresh')) || 5;
    poll(Math.max(1, every));
  }

  window.addEventListener('resize', function () {
    plots.forEach(function (p) {
      p.setSize({width: Math.max(300, p.root.parentNode.clientWidth - 10), height: 220});
    });
  });
  start();
}());
