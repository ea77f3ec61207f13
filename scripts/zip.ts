/**
 * A small ZIP writer (PKWARE APPNOTE 6.3: local headers, central directory, end record; deflate via
 * node:zlib, CRC-32 computed here). Enough for a Foundry release: no zip64 (each file and the archive stay
 * far below 4 GiB), UTF-8 names, Unix permissions.
 */
import { deflateRawSync } from "node:zlib";

export interface ZipInput {
  /** Path inside the archive, with `/` separators; a name ending in `/` is a directory. */
  name: string;
  data?: Buffer;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as zip and gzip use). */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** MS-DOS date and time (local time, 2 s resolution; years 1980–2107). */
export function dosDateTime(when: Date): { date: number; time: number } {
  const year = Math.min(2107, Math.max(1980, when.getFullYear()));
  return {
    date: ((year - 1980) << 9) | ((when.getMonth() + 1) << 5) | when.getDate(),
    time: (when.getHours() << 11) | (when.getMinutes() << 5) | Math.floor(when.getSeconds() / 2),
  };
}

const VERSION_NEEDED = 20; // 2.0: deflate and directories
const VERSION_MADE_BY = (3 << 8) | 20; // Unix, spec 2.0: external attributes carry Unix modes
const FLAG_UTF8 = 0x0800;
const FILE_MODE = 0o100644;
const DIR_MODE = 0o040755;
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffffffff;

export function createZip(inputs: readonly ZipInput[], modified: Date = new Date()): Buffer {
  const { date, time } = dosDateTime(modified);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const seen = new Set<string>();
  let offset = 0;

  if (inputs.length > MAX_U16) throw new Error("too many entries for a zip without zip64");
  for (const input of inputs) {
    const name = input.name;
    if (!name || name.startsWith("/") || name.includes("\\") || name.split("/").includes("..")) {
      throw new Error(`bad zip entry name: ${JSON.stringify(name)}`);
    }
    if (seen.has(name)) throw new Error(`duplicate zip entry: ${name}`);
    seen.add(name);
    const isDir = name.endsWith("/");
    const raw = isDir ? Buffer.alloc(0) : (input.data ?? Buffer.alloc(0));
    const deflated = isDir ? raw : deflateRawSync(raw, { level: 9 });
    // Store instead when deflate does not help (tiny or incompressible files).
    const method = !isDir && deflated.length < raw.length ? 8 : 0;
    const body = method === 8 ? deflated : raw;
    const crc = isDir ? 0 : crc32(raw);
    const nameBytes = Buffer.from(name, "utf8");
    if (raw.length > MAX_U32 || offset > MAX_U32)
      throw new Error("archive too large for a zip without zip64");

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(FLAG_UTF8, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(VERSION_MADE_BY, 4);
    central.writeUInt16LE(VERSION_NEEDED, 6);
    central.writeUInt16LE(FLAG_UTF8, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((((isDir ? DIR_MODE : FILE_MODE) << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + body.length;
  }

  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(inputs.length, 8);
  end.writeUInt16LE(inputs.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, directory, end]);
}
