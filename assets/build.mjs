// Builds the third-party front-end files into static/ (the output is committed, so Python users need no Node):
//   static/vendor/  DKFDS (CSS, the fonts and icons its CSS refers to, JS), Chart.js, Cytoscape + fcose
//   static/data/    simplified map geometry of Denmark's municipalities and regions, projected to SVG paths
// Our own code is not built: static/js/ and static/css/ are plain scripts and stylesheets, edited in place.
// This script lives outside static/ so that collectstatic does not publish it.
// Run from the repository root: `npm ci && node assets/build.mjs` (or `make assets`).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mapshaper from 'mapshaper';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STATIC = path.join(ROOT, 'static');
const NODE_MODULES = path.join(ROOT, 'node_modules');
// In CI a copy of shared/ sits beside the repository; locally too.
const SHARED_DATA = process.env.SHARED_DATA || path.resolve(ROOT, '..', 'shared', 'data');

function copyFile(from, to, { stripSourceMap = false } = {}) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  if (!stripSourceMap) {
    fs.copyFileSync(from, to);
    return;
  }
  // The .map files are not shipped; a dangling sourceMappingURL would break
  // ManifestStaticFilesStorage (collectstatic follows it) and clutter the console.
  const text = fs.readFileSync(from, 'utf8').replace(/\n?\/[/*][#@] sourceMappingURL=[^\n]*?(\*\/)?\s*$/, '\n');
  fs.writeFileSync(to, text);
}

function emptyDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

function buildDkfds() {
  const src = path.join(NODE_MODULES, 'dkfds', 'dist');
  const out = path.join(STATIC, 'vendor', 'dkfds');
  emptyDir(out);
  const cssFile = path.join(src, 'css', 'dkfds.min.css');
  copyFile(cssFile, path.join(out, 'css', 'dkfds.min.css'), { stripSourceMap: true });
  // Copy exactly what the CSS refers to (fonts, icons, images): collectstatic's manifest
  // storage fails on a missing reference, and the full font set is 12 MB.
  const css = fs.readFileSync(cssFile, 'utf8');
  const refs = new Set([...css.matchAll(/url\(\s*['"]?([^'")]+?)['"]?\s*\)/g)].map((m) => m[1]));
  let copied = 0;
  for (const ref of refs) {
    if (ref.startsWith('data:') || ref.startsWith('#')) continue;
    const clean = ref.split(/[?#]/)[0];
    const from = path.resolve(path.join(src, 'css'), clean);
    const to = path.resolve(path.join(out, 'css'), clean);
    if (!fs.existsSync(from)) throw new Error(`dkfds.min.css refers to ${ref}, which the package lacks`);
    copyFile(from, to);
    copied += 1;
  }
  copyFile(path.join(src, 'img', 'all-svg-icons.svg'), path.join(out, 'img', 'all-svg-icons.svg'));
  copyFile(path.join(src, 'js', 'dkfds.min.js'), path.join(out, 'js', 'dkfds.min.js'), { stripSourceMap: true });
  copyFile(path.join(src, 'LICENSE.md'), path.join(out, 'LICENSE.md'));
  console.log(`dkfds: css, js, icons and ${copied} referenced files`);
}

function buildVendorScripts() {
  const out = path.join(STATIC, 'vendor');
  const scripts = [
    ['chart.js/dist/chart.umd.min.js', 'chartjs/chart.umd.min.js'],
    ['chart.js/LICENSE.md', 'chartjs/LICENSE.md'],
    ['cytoscape/dist/cytoscape.min.js', 'cytoscape/cytoscape.min.js'],
    ['cytoscape/LICENSE', 'cytoscape/LICENSE'],
    // fcose needs its two layout libraries loaded first; each UMD build sets a global.
    ['layout-base/layout-base.js', 'cytoscape/layout-base.js'],
    ['cose-base/cose-base.js', 'cytoscape/cose-base.js'],
    ['cytoscape-fcose/cytoscape-fcose.js', 'cytoscape/cytoscape-fcose.js'],
    ['cytoscape-fcose/LICENSE', 'cytoscape/LICENSE-fcose'],
  ];
  for (const dir of ['chartjs', 'cytoscape']) emptyDir(path.join(out, dir));
  for (const [from, to] of scripts) {
    copyFile(path.join(NODE_MODULES, from), path.join(out, to), { stripSourceMap: from.endsWith('.js') });
  }
  console.log('vendor scripts: chart.js, cytoscape, fcose');
}

// --- Map geometry -------------------------------------------------------------------------
// Denmark spans about 8°–15.2° E and 54.5°–57.8° N. An equirectangular projection scaled by
// cos(56°) keeps shapes true enough at this size; Bornholm (east of 14.4° E) moves into an
// inset in the Kattegat, as Danish maps usually show it.
const MAP_WIDTH = 1000;
const LAT0 = 56 * (Math.PI / 180);
const BORNHOLM_EAST_OF = 14.4;
const BORNHOLM_SHIFT = [-2.25, 1.85];
const BOUNDS = { west: 8.0, east: 13.1, south: 54.5, north: 57.8 };
const SCALE = MAP_WIDTH / ((BOUNDS.east - BOUNDS.west) * Math.cos(LAT0));
const MAP_HEIGHT = Math.round((BOUNDS.north - BOUNDS.south) * SCALE);

function project([lon, lat]) {
  const x = (lon - BOUNDS.west) * Math.cos(LAT0) * SCALE;
  const y = (BOUNDS.north - lat) * SCALE;
  return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
}

function ringCentroidLon(ring) {
  return ring.reduce((sum, p) => sum + p[0], 0) / ring.length;
}

function polygonToPath(polygon) {
  const inset = ringCentroidLon(polygon[0]) > BORNHOLM_EAST_OF;
  return polygon
    .map((ring) => {
      const points = ring.map(([lon, lat]) =>
        project(inset ? [lon + BORNHOLM_SHIFT[0], lat + BORNHOLM_SHIFT[1]] : [lon, lat]),
      );
      // Relative moves after the first point keep the numbers short.
      let [px, py] = points[0];
      let d = `M${px} ${py}`;
      for (const [x, y] of points.slice(1, -1)) {
        const dx = Math.round((x - px) * 10) / 10;
        const dy = Math.round((y - py) * 10) / 10;
        if (dx === 0 && dy === 0) continue;
        d += `l${dx} ${dy}`;
        px = x;
        py = y;
      }
      return `${d}z`;
    })
    .join('');
}

function geometryToPath(geometry) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.map(polygonToPath).join('');
}

async function simplify(file, key, nameField, percent) {
  const input = fs.readFileSync(path.join(SHARED_DATA, file), 'utf8');
  const commands = [
    '-i in.json',
    `-dissolve2 ${key} copy-fields=${nameField}`,
    `-simplify ${percent}% keep-shapes`,
    `-filter-fields ${key},${nameField}`,
    '-o out.json format=geojson precision=0.0001',
  ].join(' ');
  const output = await mapshaper.applyCommands(commands, { 'in.json': input });
  return JSON.parse(output['out.json']).features;
}

async function buildMap() {
  const municipalities = await simplify('dk_municipalities_dagi2014.geojson', 'KOMKODE', 'KOMNAVN', 5);
  const regions = await simplify('dk_regions_dagi2014.geojson', 'REGIONKODE', 'REGIONNAVN', 4);
  const [insetX, insetY] = project([BORNHOLM_EAST_OF + BORNHOLM_SHIFT[0] + 0.15, 55.35 + BORNHOLM_SHIFT[1]]);
  const [insetX2, insetY2] = project([15.25 + BORNHOLM_SHIFT[0], 54.95 + BORNHOLM_SHIFT[1]]);
  const map = {
    source: 'Contains data from Styrelsen for Dataforsyning og Infrastruktur, DAGI (2014)',
    viewBox: `0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`,
    inset: { x: insetX, y: insetY, width: Math.round(insetX2 - insetX), height: Math.round(insetY2 - insetY) },
    municipalities: municipalities
      .filter((f) => f.geometry)
      .map((f) => ({ code: f.properties.KOMKODE, name: f.properties.KOMNAVN, d: geometryToPath(f.geometry) }))
      .sort((a, b) => a.code.localeCompare(b.code)),
    regions: regions
      .filter((f) => f.geometry)
      .map((f) => ({ code: f.properties.REGIONKODE, name: f.properties.REGIONNAVN, d: geometryToPath(f.geometry) }))
      .sort((a, b) => a.code.localeCompare(b.code)),
  };
  fs.mkdirSync(path.join(STATIC, 'data'), { recursive: true });
  const file = path.join(STATIC, 'data', 'dk_map.json');
  fs.writeFileSync(file, JSON.stringify(map));
  const kb = Math.round(fs.statSync(file).size / 1024);
  console.log(`map: ${map.municipalities.length} municipalities, ${map.regions.length} regions, ${kb} KB`);
  if (kb > 500) throw new Error('map geometry is over the 500 KB budget; simplify further');
}

buildDkfds();
buildVendorScripts();
await buildMap();
