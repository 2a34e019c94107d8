// Prints the size of each app's JavaScript and CSS in dist/, raw and gzipped,
// so bundle growth is visible in review.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const app of readdirSync(dist).sort()) {
  const dir = join(dist, app, "assets");
  if (!statSync(join(dist, app)).isDirectory()) continue;
  const sum = { js: [0, 0], css: [0, 0] };
  for (const f of readdirSync(dir)) {
    const ext = f.endsWith(".js") ? "js" : f.endsWith(".css") ? "css" : "";
    if (!ext) continue;
    const buf = readFileSync(join(dir, f));
    sum[ext][0] += buf.length;
    sum[ext][1] += gzipSync(buf, { level: 9 }).length;
  }
  console.log(
    `${app.padEnd(6)} js ${kb(sum.js[0])} (gzip ${kb(sum.js[1])})  css ${kb(sum.css[0])} (gzip ${kb(sum.css[1])})`,
  );
}
