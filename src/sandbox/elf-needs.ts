import { open } from 'node:fs/promises';

/** What a dynamically linked ELF program asks of the loader: its interpreter and its direct libraries. */
export interface ElfNeeds {
  /** PT_INTERP: the loader's path (`/lib64/ld-linux-x86-64.so.2`); null for a static program or a library. */
  interpreter: string | null;
  /** DT_NEEDED names, in order (`libc.so.6`). */
  needed: string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;

interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

function cString(bytes: Buffer, start: number): string {
  const end = bytes.indexOf(0, start);
  return bytes.toString('utf8', start, end === -1 ? bytes.length : end);
}

/**
 * The interpreter and DT_NEEDED libraries of a 64-bit little-endian ELF file (x86-64, aarch64), read
 * from its headers only (a Node binary is ~100 MB). Null when the file is not such an ELF file.
 */
export async function readElfNeeds(path: string): Promise<ElfNeeds | null> {
  const file = await open(path, 'r');
  try {
    const read = async (offset: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    };
    const header = await read(0, 64);
    // Magic, ELFCLASS64, ELFDATA2LSB.
    if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) {
      return null;
    }
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = await read(phoff, phentsize * phnum);
    const headers: ProgramHeader[] = [];
    for (let index = 0; index < phnum; index++) {
      const at = index * phentsize;
      if (at + 56 > table.length) return null;
      headers.push({
        type: table.readUInt32LE(at),
        offset: Number(table.readBigUInt64LE(at + 8)),
        vaddr: Number(table.readBigUInt64LE(at + 16)),
        filesz: Number(table.readBigUInt64LE(at + 32)),
      });
    }
    const interp = headers.find((entry) => entry.type === PT_INTERP);
    const interpreter = interp === undefined ? null : cString(await read(interp.offset, interp.filesz), 0);
    const dynamic = headers.find((entry) => entry.type === PT_DYNAMIC);
    if (dynamic === undefined) return { interpreter, needed: [] };
    const entries = await read(dynamic.offset, dynamic.filesz);
    const neededOffsets: bigint[] = [];
    let strtab: bigint | undefined;
    let strsz: bigint | undefined;
    for (let at = 0; at + 16 <= entries.length; at += 16) {
      const tag = entries.readBigInt64LE(at);
      const value = entries.readBigUInt64LE(at + 8);
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) neededOffsets.push(value);
      else if (tag === DT_STRTAB) strtab = value;
      else if (tag === DT_STRSZ) strsz = value;
    }
    if (strtab === undefined || strsz === undefined) return { interpreter, needed: [] };
    // DT_STRTAB is an address: the loadable segment holding it says where it is in the file.
    const address = Number(strtab);
    const segment = headers.find(
      (entry) => entry.type === PT_LOAD && entry.vaddr <= address && address < entry.vaddr + entry.filesz,
    );
    if (segment === undefined) return null;
    const strings = await read(address - segment.vaddr + segment.offset, Number(strsz));
    return { interpreter, needed: neededOffsets.map((offset) => cString(strings, Number(offset))) };
  } finally {
    await file.close();
  }
}
