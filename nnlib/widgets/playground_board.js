// The Playground's board, drawn in the browser: the network (a thumbnail per neuron, a line
// per weight), the heat map of the output (or of the neuron under the mouse) with the data,
// and the loss chart. The kernel sends numbers (see playground_board.py); this draws them.

const HEAT = 400;                    // heat map side, px
const CHART_W = 400, CHART_H = 130;  // loss chart, px
const NET_W = 330, NET_H = 530;      // network view, px
const BLUE = [59, 76, 192], MIDDLE = [238, 238, 238], RED = [180, 4, 38];  // coolwarm's ends
const TRAIN_COLOUR = "#1f77b4", TEST_COLOUR = "#ff7f0e", GHOST_COLOUR = "#9a9a9a";

// byte 0..255 (value -1..1) -> [r, g, b]: blue below the middle, red above; the heat map
// uses a lighter one (strength 0.6), so the points on it stand out.
const palette = (strength) => Array.from({ length: 256 }, (_, q) => {
  const t = q / 127.5 - 1;
  const end = t < 0 ? BLUE : RED;
  const a = strength * Math.abs(t);
  return MIDDLE.map((m, i) => Math.round(m + a * (end[i] - m)));
});
const PALETTE = palette(1), LIGHT_PALETTE = palette(0.6);

function bytesOf(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function floatsOf(value) {
  const bytes = bytesOf(value);
  return new Float32Array(bytes.slice().buffer);  // copied: Float32Array needs alignment
}

function element(tag, className, parent, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function svgElement(tag, parent, attributes) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  parent.appendChild(node);
  return node;
}

// 1, 2, 5, 10, 20, 50, ...: the smallest of these >= x
function niceCeiling(x) {
  const power = Math.pow(10, Math.floor(Math.log10(x)));
  for (const step of [1, 2, 5, 10]) if (step * power >= x * (1 - 1e-9)) return step * power;
  return 10 * power;
}

function isVoila() {
  const path = window.location.pathname;
  return !/\/(lab|notebooks|tree|doc)(\/|$)/.test(path);
}

function render({ model, el }) {
  const board = element("div", "nn-board-root", el);
  // --- the network ---------------------------------------------------------------------
  const netBox = element("div", "nn-network", board);
  netBox.style.width = `${NET_W}px`;
  netBox.style.height = `${NET_H}px`;
  const netTitle = element("div", "nn-network-title", netBox);
  const svg = svgElement("svg", netBox, { width: NET_W, height: NET_H, class: "nn-weights" });
  // --- the heat map and the loss chart ------------------------------------------------
  const right = element("div", "nn-right", board);
  const heatBox = element("div", "nn-heat-box", right);
  const heat = element("canvas", "nn-heatmap", heatBox);
  heat.width = HEAT;
  heat.height = HEAT;
  const caption = element("div", "nn-heat-caption", heatBox);
  const message = element("div", "nn-message", heatBox);
  const chart = element("canvas", "nn-losschart", right);
  chart.width = CHART_W;
  chart.height = CHART_H;
  const footer = element("div", "nn-board-footer", right);
  const legend = element("span", "nn-legend", footer);
  legend.innerHTML = `<b style="color:${TRAIN_COLOUR}">━ train</b> <b style="color:${TEST_COLOUR}">━ test</b> ` +
    `<span style="color:${GHOST_COLOUR}">┅ previous run</span>`;
  const fpsText = element("span", "nn-fps", footer, "");
  const linkButton = element("button", "nn-copy-link jupyter-button", footer, isVoila() ? "copy link" : "copy settings");
  // --- the code that reproduces the run -------------------------------------------------
  const codeBox = element("div", "nn-code-box", el);
  const codeHead = element("div", "nn-code-head", codeBox);
  element("b", "", codeHead, "Code");
  element("span", "", codeHead, ": this run with nnlib, to paste into a notebook ");
  const copyButton = element("button", "nn-copy jupyter-button", codeHead, "copy");
  const code = element("pre", "nn-code", codeBox);

  const small = element("canvas");  // one neuron's grid at its own resolution
  let neurons = [];      // [{canvas, layer, index, offset}]
  let inputLabels = [];  // the names under the input neurons
  let lines = [];        // svg lines, one per weight, in the order of the weights
  let selected = null;   // the neuron shown large: {layer, index} or null (the output)
  let pinned = null;     // the neuron a click keeps shown
  let dirty = new Set(["network", "frame", "weights", "chart"]);
  let frameTimes = [];   // when recent frames were drawn (ms)
  let lastFrameDrawn = -1;

  function layoutNetwork() {
    const net = model.get("network");
    svg.replaceChildren();
    for (const n of neurons) n.canvas.remove();
    for (const label of inputLabels) label.remove();
    neurons = [];
    inputLabels = [];
    lines = [];
    if (!net.labels) return;
    const widths = net.labels.map((column) => column.length);
    netTitle.textContent = `${widths[0]} inputs · hidden ${widths.slice(1, -1).join("-") || "none"} · output`;
    const columns = net.labels.length;
    const thumb = Math.max(22, Math.min(40, Math.floor((NET_W - 20) / columns) - 14));
    const gapX = (NET_W - 10 - thumb) / Math.max(1, columns - 1);
    const centres = net.labels.map((column, c) => column.map((_, i) => {
      const gapY = Math.min(thumb + 16, (NET_H - 40) / column.length);
      const top = 30 + (NET_H - 30 - gapY * column.length) / 2;
      return [5 + c * gapX + thumb / 2, top + gapY * (i + 0.5)];
    }));
    for (let c = 0; c + 1 < columns; c++) {
      for (let i = 0; i < widths[c]; i++) {
        for (let j = 0; j < widths[c + 1]; j++) {
          const [x1, y1] = centres[c][i], [x2, y2] = centres[c + 1][j];
          lines.push(svgElement("line", svg, { x1, y1, x2, y2, class: "nn-weight" }));
        }
      }
    }
    let offset = 0;
    net.labels.forEach((column, c) => column.forEach((label, i) => {
      const canvas = element("canvas", "nn-neuron", netBox);
      canvas.width = canvas.height = net.grid;
      canvas.style.width = canvas.style.height = `${thumb}px`;
      const [x, y] = centres[c][i];
      canvas.style.left = `${x - thumb / 2}px`;
      canvas.style.top = `${y - thumb / 2}px`;
      canvas.title = label;
      canvas.dataset.layer = c;
      canvas.dataset.index = i;
      const neuron = { canvas, layer: c, index: i, offset, label };
      offset += net.grid * net.grid;
      canvas.addEventListener("mouseenter", () => { selected = neuron; dirty.add("frame"); schedule(); });
      canvas.addEventListener("mouseleave", () => { selected = pinned; dirty.add("frame"); schedule(); });
      canvas.addEventListener("click", () => {
        pinned = pinned === neuron ? null : neuron;
        selected = pinned || neuron;
        dirty.add("frame");
        schedule();
      });
      if (c === 0) {
        const name = element("div", "nn-input-label", netBox, label);
        name.style.cssText = `left:${x - thumb / 2 - 4}px;top:${y + thumb / 2}px;width:${thumb + 8}px`;
        inputLabels.push(name);
      }
      neurons.push(neuron);
    }));
    selected = pinned = null;
  }

  function paint(canvas, bytes, offset, size, discrete, colours = PALETTE) {
    const context = canvas.getContext("2d");
    const image = context.createImageData(size, size);
    for (let k = 0; k < size * size; k++) {
      let q = bytes[offset + k];
      if (discrete) q = q >= 128 ? 255 : 0;
      const [r, g, b] = colours[q];
      image.data[4 * k] = r;
      image.data[4 * k + 1] = g;
      image.data[4 * k + 2] = b;
      image.data[4 * k + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }

  function drawFrame() {
    const net = model.get("network");
    const bytes = bytesOf(model.get("frame"));
    if (!net.labels || bytes.length < neurons.length * net.grid * net.grid) return;
    const size = net.grid;
    for (const neuron of neurons) paint(neuron.canvas, bytes, neuron.offset, size, false);
    const shown = selected || neurons[neurons.length - 1];
    const isOutput = shown === neurons[neurons.length - 1];
    small.width = small.height = size;
    paint(small, bytes, shown.offset, size, isOutput && model.get("discretize"), LIGHT_PALETTE);
    const context = heat.getContext("2d");
    context.imageSmoothingEnabled = true;
    context.drawImage(small, 0, 0, HEAT, HEAT);
    drawPoints(context, net);
    caption.textContent = isOutput
      ? (net.regression ? "output: the predicted value" : "output: P(class 1)")
      : `${shown.label}${pinned === shown ? " (click it again to go back to the output)" : ""}`;
    for (const neuron of neurons) neuron.canvas.classList.toggle("nn-selected", neuron === shown && !isOutput);
  }

  function drawPoints(context, net) {
    const rows = floatsOf(model.get("points"));
    const [x0, x1, y0, y1] = net.extent;
    const showTest = model.get("show_test");
    for (let k = 0; k + 3 < rows.length; k += 4) {
      const isTest = rows[k + 3] > 0.5;
      if (isTest && !showTest) continue;
      const px = (rows[k] - x0) / (x1 - x0) * HEAT, py = (y1 - rows[k + 1]) / (y1 - y0) * HEAT;
      const q = net.regression ? Math.round((Math.max(-1, Math.min(1, rows[k + 2])) + 1) * 127.5)
        : (rows[k + 2] > 0.5 ? 255 : 0);
      context.fillStyle = `rgb(${PALETTE[q].join(",")})`;
      context.strokeStyle = isTest ? "black" : "white";
      context.lineWidth = 1;
      context.beginPath();
      if (isTest) context.rect(px - 3, py - 3, 6, 6);
      else context.arc(px, py, 3.2, 0, 2 * Math.PI);
      context.fill();
      context.stroke();
    }
  }

  function drawWeights() {
    const weights = floatsOf(model.get("weights"));
    if (weights.length !== lines.length) return;
    let largest = 1e-12;
    for (const w of weights) largest = Math.max(largest, Math.abs(w));
    weights.forEach((w, k) => {
      const line = lines[k];
      line.setAttribute("stroke", w >= 0 ? `rgb(${RED.join(",")})` : `rgb(${BLUE.join(",")})`);
      line.setAttribute("stroke-width", (0.3 + 4 * Math.abs(w) / largest).toFixed(2));
      line.setAttribute("stroke-opacity", (0.25 + 0.6 * Math.abs(w) / largest).toFixed(2));
    });
  }

  function drawChart() {
    const context = chart.getContext("2d");
    context.clearRect(0, 0, CHART_W, CHART_H);
    const rows = floatsOf(model.get("curves")), ghost = floatsOf(model.get("ghost"));
    const logScale = model.get("log_loss");
    const left = 46, right = CHART_W - 8, top = 8, bottom = CHART_H - 20;
    let lastEpoch = 0, high = 0, low = Infinity;
    for (const data of [rows, ghost]) {
      for (let k = 0; k + 2 < data.length; k += 3) {
        lastEpoch = Math.max(lastEpoch, data[k]);
        for (const v of [data[k + 1], data[k + 2]]) {
          if (Number.isFinite(v)) { high = Math.max(high, v); if (v > 0) low = Math.min(low, v); }
        }
      }
    }
    const xMax = niceCeiling(Math.max(10, lastEpoch));
    let yMin, yMax;
    if (logScale) {
      yMin = Math.pow(10, Math.floor(Math.log10(Number.isFinite(low) ? low : 0.01)));
      yMax = Math.pow(10, Math.ceil(Math.log10(Math.max(high, yMin * 10))));
    } else {
      yMin = 0;
      yMax = niceCeiling(Math.max(high * 1.05, 0.01));
    }
    const X = (epoch) => left + (right - left) * epoch / xMax;
    const Y = (v) => {
      const t = logScale ? (Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))
        : (v - yMin) / (yMax - yMin);
      return bottom - (bottom - top) * Math.min(1.02, t);
    };
    context.font = "10px sans-serif";
    context.fillStyle = "#444";
    context.strokeStyle = "#ddd";
    context.lineWidth = 1;
    const yTicks = logScale
      ? Array.from({ length: Math.round(Math.log10(yMax / yMin)) + 1 }, (_, i) => yMin * Math.pow(10, i))
      : [0, 0.25, 0.5, 0.75, 1].map((t) => t * yMax);
    context.textAlign = "right";
    for (const v of yTicks) {
      context.beginPath(); context.moveTo(left, Y(v)); context.lineTo(right, Y(v)); context.stroke();
      context.fillText(logScale ? v.toExponential(0) : +v.toPrecision(3) + "", left - 4, Y(v) + 3);
    }
    context.textAlign = "center";
    // xMax is 1, 2 or 5 times a power of ten (at least 10): fifths of it are whole epochs
    for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) context.fillText(String(Math.round(t * xMax)), X(t * xMax), CHART_H - 7);
    context.save();
    context.translate(10, (top + bottom) / 2);
    context.rotate(-Math.PI / 2);
    context.fillText("loss", 0, 0);
    context.restore();
    for (const [epoch, text] of model.get("marks")) {
      context.strokeStyle = "#777";
      context.setLineDash([2, 3]);
      context.beginPath(); context.moveTo(X(epoch), top); context.lineTo(X(epoch), bottom); context.stroke();
      context.setLineDash([]);
      context.textAlign = "left";
      context.fillStyle = "#555";
      context.fillText(text, X(epoch) + 3, top + 9);
    }
    const curve = (data, column, colour, dashed) => {
      context.strokeStyle = colour;
      context.lineWidth = dashed ? 1.2 : 1.8;
      context.setLineDash(dashed ? [4, 3] : []);
      context.beginPath();
      for (let k = 0; k + 2 < data.length; k += 3) {
        const v = data[k + column];
        if (!Number.isFinite(v)) break;
        (k === 0 ? context.moveTo : context.lineTo).call(context, X(data[k]), Y(v));
      }
      context.stroke();
      context.setLineDash([]);
    };
    curve(ghost, 1, GHOST_COLOUR, true);
    curve(ghost, 2, GHOST_COLOUR, true);
    curve(rows, 1, TRAIN_COLOUR, false);
    curve(rows, 2, TEST_COLOUR, false);
  }

  let scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      if (dirty.has("network")) { layoutNetwork(); dirty.add("frame"); dirty.add("weights"); }
      if (dirty.has("frame")) drawFrame();
      if (dirty.has("weights")) drawWeights();
      if (dirty.has("chart")) drawChart();
      dirty.clear();
      message.textContent = model.get("message");
      message.style.display = model.get("message") ? "block" : "none";
      const id = model.get("frame_id");
      if (id !== lastFrameDrawn) {
        lastFrameDrawn = id;
        const now = performance.now();
        frameTimes.push(now);
        frameTimes = frameTimes.filter((t) => now - t <= 2000);
        const fps = frameTimes.length > 2 ? 1000 * (frameTimes.length - 1) / (now - frameTimes[0]) : null;
        if (fps !== null) {
          fpsText.textContent = `${fps.toFixed(1)} frames/s`;
          el.dataset.fps = fps.toFixed(2);
        }
        model.send({ type: "drawn", frame: id, fps });
      }
    });
  }

  const on = (names, parts) => names.forEach((name) =>
    model.on(`change:${name}`, () => { parts.forEach((part) => dirty.add(part)); schedule(); }));
  on(["network", "points"], ["network"]);
  on(["frame", "show_test", "discretize", "frame_id"], ["frame"]);
  on(["weights"], ["weights"]);
  on(["curves", "ghost", "marks", "log_loss"], ["chart"]);
  on(["message"], []);
  const showCode = () => { code.textContent = model.get("code"); };
  model.on("change:code", showCode);
  showCode();

  copyButton.addEventListener("click", async () => {
    copyButton.textContent = (await copyText(model.get("code"))) ? "copied" : "select and copy";
    setTimeout(() => { copyButton.textContent = "copy"; }, 1500);
  });

  function updateAddress() {
    if (!isVoila()) return;
    const query = model.get("query");
    window.history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
  }
  model.on("change:query", updateAddress);
  updateAddress();

  linkButton.addEventListener("click", async () => {
    const query = model.get("query");
    const text = isVoila() ? `${window.location.origin}${window.location.pathname}${query ? "?" + query : ""}` : query;
    linkButton.textContent = (await copyText(text)) ? "copied" : "select and copy";
    setTimeout(() => { linkButton.textContent = isVoila() ? "copy link" : "copy settings"; }, 1500);
  });

  const alive = setInterval(() => model.send({ type: "alive" }), 1000);
  model.send({ type: "alive" });
  schedule();
  return () => clearInterval(alive);
}

// Copy text to the clipboard; false if the browser refused.
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (error) {
    const area = element("textarea", "", document.body);
    area.value = text;
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done;
  }
}

export default { render };
