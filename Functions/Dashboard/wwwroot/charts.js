// Tiny live charts for the dashboard page: a fixed-length series of numbers per chart, drawn as an SVG sparkline with
// its latest value and the window's maximum. Hand-written, no dependencies; one <svg> per chart, redrawn once a second.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 240;
const HEIGHT = 48;
const PAD = 3;

/** The last `capacity` samples of one quantity; `null` is a gap (no sample that second). */
export class Series {
  constructor(capacity = 60) {
    this.capacity = capacity;
    this.values = [];
  }

  push(value) {
    this.values.push(value ?? null);
    if (this.values.length > this.capacity) this.values.shift();
  }

  get last() {
    for (let i = this.values.length - 1; i >= 0; i--) if (this.values[i] !== null) return this.values[i];
    return null;
  }

  get max() {
    const present = this.values.filter((v) => v !== null);
    return present.length ? Math.max(...present) : null;
  }

  get points() {
    return this.values.filter((v) => v !== null).length;
  }
}

/**
 * A sparkline in `container`: `{ label, unit, format }` describe the caption. Returns `draw(series)`.
 * The y axis starts at 0 and ends at the window's maximum (at least `minMax`), so a flat line at the bottom means zero.
 */
export function sparkline(container, { label, unit = "", format = (v) => String(Math.round(v)), minMax = 1 }) {
  container.classList.add("chart");
  const caption = document.createElement("div");
  caption.className = "chart-caption";
  const name = document.createElement("span");
  name.textContent = label;
  const value = document.createElement("span");
  value.className = "chart-value";
  caption.append(name, value);

  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const area = document.createElementNS(SVG, "path");
  area.setAttribute("class", "chart-area");
  const line = document.createElementNS(SVG, "path");
  line.setAttribute("class", "chart-line");
  svg.append(area, line);
  container.replaceChildren(caption, svg);

  return function draw(series) {
    const top = Math.max(series.max ?? 0, minMax);
    const step = (WIDTH - 2 * PAD) / Math.max(1, series.capacity - 1);
    const offset = series.capacity - series.values.length; // right-aligned: the newest sample at the right edge
    const y = (v) => (HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD)).toFixed(1);
    let path = "";
    let fill = "";
    let run = [];
    const flush = () => {
      if (run.length === 0) return;
      path += run.map(([x, v], i) => `${i === 0 ? "M" : "L"}${x.toFixed(1)},${y(v)}`).join("");
      fill += `M${run[0][0].toFixed(1)},${HEIGHT - PAD}` + run.map(([x, v]) => `L${x.toFixed(1)},${y(v)}`).join("") + `L${run.at(-1)[0].toFixed(1)},${HEIGHT - PAD}Z`;
      run = [];
    };
    series.values.forEach((v, i) => {
      if (v === null) flush();
      else run.push([PAD + (offset + i) * step, v]);
    });
    flush();
    line.setAttribute("d", path);
    area.setAttribute("d", fill);
    svg.dataset.points = String(series.points);
    const last = series.last;
    value.textContent = last === null ? "–" : `${format(last)}${unit} (max ${format(series.max)}${unit})`;
  };
}
