// Builds src/assets/shanghai/districts.json, the district outlines of the
// 找项目 map, from ECharts 4.9.0's map/json/province/shanghai.json
// (Apache-2.0; see src/assets/shanghai/README.md). Run it again only to
// change the simplification:
//
//   npm pack echarts@4.9.0 && tar xzf echarts-4.9.0.tgz package/map/json/province/shanghai.json
//   node apps/h5/scripts/shanghai-districts.mjs package/map/json/province/shanghai.json
//
// ECharts stores each ring as printable characters: zigzag-encoded deltas
// in 1/1024 degree from an offset (its parseGeoJson.js). This decodes them,
// checks the names against today's 16 districts, thins each ring with
// Douglas–Peucker and writes plain GeoJSON with the GB/T 2260 code and name.
import { readFileSync, writeFileSync } from "node:fs";

const OUT = new URL("../src/assets/shanghai/districts.json", import.meta.url);
// TOLERANCE is the Douglas–Peucker tolerance in degrees (about 150 m), a
// little over the source's own 1/1024° steps: outlines for orientation,
// not for deciding which side of a street a place is on.
const TOLERANCE = 0.0015;
const PLACES = 4; // decimals kept: 0.0001° ≈ 10 m, finer than the source

// CODES are the GB/T 2260 codes of Shanghai's districts since 2016 (闸北
// merged into 静安 in 2015, 崇明 a district from 2016). The source leaves
// 崇明区 without an id; every other id must match.
const CODES = {
  黄浦区: "310101",
  徐汇区: "310104",
  长宁区: "310105",
  静安区: "310106",
  普陀区: "310107",
  虹口区: "310109",
  杨浦区: "310110",
  闵行区: "310112",
  宝山区: "310113",
  嘉定区: "310114",
  浦东新区: "310115",
  金山区: "310116",
  松江区: "310117",
  青浦区: "310118",
  奉贤区: "310120",
  崇明区: "310151",
};

function decodeRing(text, [x0, y0], scale) {
  const ring = [];
  let [x, y] = [x0, y0];
  for (let i = 0; i < text.length; i += 2) {
    const dx = text.charCodeAt(i) - 64;
    const dy = text.charCodeAt(i + 1) - 64;
    x += (dx >> 1) ^ -(dx & 1);
    y += (dy >> 1) ^ -(dy & 1);
    ring.push([x / scale, y / scale]);
  }
  return ring;
}

// segmentDistance is the distance of p from the segment a–b, in degrees
// (flat: at this size the earth's curve does not matter).
function segmentDistance(p, a, b) {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

function simplify(points, tolerance) {
  const keep = new Array(points.length).fill(false);
  keep[0] = keep[points.length - 1] = true;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop();
    let [far, index] = [0, -1];
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance(points[i], points[first], points[last]);
      if (d > far) [far, index] = [d, i];
    }
    if (far > tolerance) {
      keep[index] = true;
      stack.push([first, index], [index, last]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

// thin simplifies a closed ring; a ring that would fall below a triangle
// (a small island) keeps its original points.
function thin(ring) {
  const closed = ring[0][0] === ring.at(-1)[0] && ring[0][1] === ring.at(-1)[1] ? ring : [...ring, ring[0]];
  const out = simplify(closed, TOLERANCE);
  const round = (v) => Math.round(v * 10 ** PLACES) / 10 ** PLACES;
  return (out.length >= 4 ? out : closed).map(([x, y]) => [round(x), round(y)]);
}

const src = JSON.parse(readFileSync(process.argv[2], "utf8"));
const scale = src.UTF8Scale ?? 1024;
if (!src.UTF8Encoding) throw new Error("expected ECharts' UTF8Encoding format");
const features = src.features.map((f) => {
  const name = f.properties.name;
  const code = CODES[name];
  if (!code) throw new Error(`not one of today's districts: ${name}`);
  if (f.id && f.id !== code) throw new Error(`${name}: id ${f.id}, want ${code}`);
  const g = f.geometry;
  const polygons =
    g.type === "Polygon"
      ? [g.coordinates.map((r, i) => [r, g.encodeOffsets[i]])]
      : g.coordinates.map((p, i) => p.map((r, j) => [r, g.encodeOffsets[i][j]]));
  const coordinates = polygons.map((p) => p.map(([r, off]) => thin(decodeRing(r, off, scale))));
  return {
    type: "Feature",
    properties: { code, name },
    geometry:
      coordinates.length === 1
        ? { type: "Polygon", coordinates: coordinates[0] }
        : { type: "MultiPolygon", coordinates },
  };
});
const missing = Object.keys(CODES).filter((n) => !features.some((f) => f.properties.name === n));
if (missing.length) throw new Error(`missing districts: ${missing.join(", ")}`);
features.sort((a, b) => a.properties.code.localeCompare(b.properties.code));
const points = features.flatMap((f) => JSON.stringify(f.geometry.coordinates).match(/\],?\[/g) ?? []).length;
writeFileSync(OUT, JSON.stringify({ type: "FeatureCollection", features }) + "\n");
console.log(`${features.length} districts, about ${points} points → ${OUT.pathname}`);
