// Reads a PMTiles archive with the reference decoder (npm pmtiles) and prints, as JSON,
// its header, metadata and the tiles asked for (z/x/y ...) as hex MVT bytes (the
// decoder decompresses them), or null where the archive has none.
import { open } from "node:fs/promises";
import { PMTiles } from "pmtiles";

class FileSource {
  constructor(path) { this.path = path; }
  getKey() { return this.path; }
  async getBytes(offset, length) {
    const f = await open(this.path, "r");
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await f.read(buf, 0, length, offset);
      const out = buf.subarray(0, bytesRead);
      return { data: out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) };
    } finally {
      await f.close();
    }
  }
}

const [path, ...zxys] = process.argv.slice(2);
const p = new PMTiles(new FileSource(path));
const header = await p.getHeader();
const metadata = await p.getMetadata();
const tiles = {};
for (const zxy of zxys) {
  const [z, x, y] = zxy.split("/").map(Number);
  const t = await p.getZxy(z, x, y);
  tiles[zxy] = t ? Buffer.from(t.data).toString("hex") : null;
}
console.log(JSON.stringify({ header, metadata, tiles }));
