// Decodes a vector tile with @mapbox/vector-tile + pbf (the decoder MapLibre descends
// from) and prints its layers as JSON: for each feature its id, type, properties and
// geometry in tile coordinates (extent units).  node decode_mvt.mjs FILE
import { readFileSync } from "node:fs";
import Protobuf from "pbf";
import vt from "@mapbox/vector-tile";

const tile = new vt.VectorTile(new Protobuf(readFileSync(process.argv[2])));
const out = {};
for (const [name, layer] of Object.entries(tile.layers)) {
  const features = [];
  for (let i = 0; i < layer.length; i++) {
    const f = layer.feature(i);
    features.push({
      id: f.id,
      type: f.type,
      properties: f.properties,
      geometry: f.loadGeometry().map((ring) => ring.map((p) => [p.x, p.y])),
    });
  }
  out[name] = { version: layer.version, extent: layer.extent, features };
}
console.log(JSON.stringify(out));
