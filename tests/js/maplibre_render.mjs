// Draws a civgis tileset with MapLibre GL JS in headless Chromium (WebGL through
// SwiftShader) from its TileJSON, and prints what the map shows once idle: per source
// layer the rendered features' ids and names, the tile requests and their statuses, and
// any page error.  node maplibre_render.mjs BASE_URL TILESET LON LAT ZOOM
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const [base, tileset, lon, lat, zoom] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
});
const out = { errors: [], tiles: {} };
try {
  const page = await browser.newPage({ viewport: { width: 512, height: 512 } });
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("response", (r) => {
    if (r.url().includes("/tiles/")) out.tiles[r.url()] = r.status();
  });
  await page.setContent(
    '<html><body style="margin:0"><div id="map" style="width:512px;height:512px"></div></body></html>',
  );
  await page.addScriptTag({ path: path.join(here, "node_modules/maplibre-gl/dist/maplibre-gl.js") });
  out.map = await page.evaluate(
    async ({ base, tileset, lon, lat, zoom }) => {
      const src = "civgis";
      const fill = (id, layer, color) => ({
        id, type: "fill", source: src, "source-layer": layer, paint: { "fill-color": color },
      });
      const circle = (id, layer, color) => ({
        id, type: "circle", source: src, "source-layer": layer,
        paint: { "circle-color": color, "circle-radius": 3 },
      });
      const layers = [
        fill("counties", "counties", "#ddd"),
        fill("townships", "townships", "#9c9"),
        { id: "borders", type: "line", source: src, "source-layer": "counties",
          paint: { "line-color": "#333" } },
        circle("villages", "villages", "#36c"),
        circle("facilities", "facilities", "#c33"),
      ].filter((l) => tileset === "civgis" || l["source-layer"] === tileset);
      const map = new maplibregl.Map({
        container: "map", center: [lon, lat], zoom, fadeDuration: 0,
        style: { version: 8, sources: { [src]: { type: "vector", url: `${base}/tiles/${tileset}.json` } },
                 layers },
      });
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the map did not become idle")), 60000);
        map.on("error", (e) => { clearTimeout(timer); reject(new Error(e.error?.message || "map error")); });
        map.on("idle", () => { clearTimeout(timer); resolve(); });
      });
      const shown = {};
      for (const f of map.queryRenderedFeatures()) {
        const l = (shown[f.sourceLayer] ||= {});
        l[f.properties.id] = f.properties.name ?? null;
      }
      return { shown, zoom: map.getZoom(), webgl: !!map.painter?.context?.gl };
    },
    { base, tileset, lon: Number(lon), lat: Number(lat), zoom: Number(zoom) },
  );
} catch (e) {
  out.errors.push(String(e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
