// Draws an OGC API - Tiles tileset with OpenLayers (ol/source/OGCVectorTile, the full
// build from npm, in headless Chromium) from the tileset metadata alone, and prints what
// the map holds once rendered: the features of the view (ids and names per source
// layer), the view's extent in lon/lat, the tile matrices OpenLayers read, every request
// made with its status, and any page error.
//   node ol_render.mjs TILESET_URL LON LAT ZOOM
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const [tileset, lon, lat, zoom] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
});
const out = { errors: [], requests: {} };
try {
  const page = await browser.newPage({ viewport: { width: 512, height: 512 } });
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("response", (r) => {
    out.requests[r.url()] = r.status();
  });
  await page.setContent(
    '<html><body style="margin:0"><div id="map" style="width:512px;height:512px"></div></body></html>',
  );
  await page.addScriptTag({ path: path.join(here, "node_modules/ol/dist/ol.js") });
  out.map = await page.evaluate(
    async ({ tileset, lon, lat, zoom }) => {
      const source = new ol.source.OGCVectorTile({ url: tileset, format: new ol.format.MVT() });
      const layer = new ol.layer.VectorTile({ source });
      // The metadata (tileset, then tile matrix set) is read before any tile is asked for.
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the source did not become ready")), 30000);
        const check = () => {
          const state = source.getState();
          if (state === "ready" || state === "error") {
            clearTimeout(timer);
            state === "ready" ? resolve() : reject(new Error("source error: " + source.getError?.()));
          }
        };
        source.on("change", check);
        check();
      });
      const map = new ol.Map({
        target: "map", layers: [layer], controls: [],
        view: new ol.View({ center: ol.proj.fromLonLat([lon, lat]), zoom }),
      });
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the map did not finish rendering")), 60000);
        map.once("rendercomplete", () => { clearTimeout(timer); resolve(); });
      });
      const extent = map.getView().calculateExtent(map.getSize());
      const shown = {};
      for (const f of layer.getFeaturesInExtent(extent)) {
        const l = (shown[f.get("layer")] ||= {});
        l[f.get("id")] = f.get("name") ?? null;
      }
      const grid = source.getTileGrid();
      return {
        shown,
        extent: ol.proj.transformExtent(extent, "EPSG:3857", "EPSG:4326"),
        matrices: grid.getResolutions().length,
        resolution: map.getView().getResolution(),
        projection: source.getProjection().getCode(),
      };
    },
    { tileset, lon: Number(lon), lat: Number(lat), zoom: Number(zoom) },
  );
} catch (e) {
  out.errors.push(String(e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
