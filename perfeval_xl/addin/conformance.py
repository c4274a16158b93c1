"""Check an add-in's VBA project against MS-CFB and MS-OVBA, independently of the code that wrote it.

:func:`check_xlam` parses the package's ``xl/vbaProject.bin`` from its bytes — compound file header, DIFAT, FAT,
mini FAT, every sector chain, the directory and each storage's red-black tree — then the VBA project in it
(``_VBA_PROJECT``, the decompressed ``dir`` records, ``PROJECT``, ``PROJECTwm``, every module's source) and the
workbook's code names, and returns the list of departures, each naming the rule it breaks. An empty list means
the file follows the specifications in everything checked. The tests run it on the built add-in, on the add-ins
xlwings ships (the field-proven reference) and on hand-broken copies.

The checks, by section of the specifications:

* MS-CFB 2.2 header fields; 2.1/2.3/2.5 every chain within the file, ending in ENDOFCHAIN, without cycles, no
  sector in two chains, FAT and DIFAT sectors marked as such; 2.6.1 entry names, lengths, types and colours,
  free entries blank; 2.6.3/2.7 sector count of each stream matching its size (FAT or mini FAT by the 4,096-byte
  cutoff); 2.6.4 each storage's children a binary search tree by the CFB name order, unique names, black root,
  no two consecutive red nodes, every entry reached exactly once.
* MS-OVBA 2.3.4.1 ``_VBA_PROJECT`` written as 0x61CC, version 0xFFFF, 0x00, 0x0001 and no performance cache;
  2.3.4.2 the ``dir`` records in order (SYSKIND, LCID, LCIDINVOKE, CODEPAGE, NAME, DOCSTRING, HELPFILE, HELPCONTEXT,
  LIBFLAGS, VERSION, CONSTANTS, references, MODULES, COOKIE, one record set per module, terminator); 2.3.4.3 each
  module stream's compressed source at MODULEOFFSET; 2.3.1 PROJECT and 2.3.3 PROJECTwm naming the same modules
  as ``dir``; each source's ``Attribute VB_Name`` matching the module name; with ``strict``, CRLF line ends.
* The workbook: ``workbookPr/@codeName`` and every worksheet's ``sheetPr/@codeName`` each have a document module,
  and every document module belongs to the workbook or a sheet.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field

from lxml import etree

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
MAXREGSECT, DIFSECT, FATSECT, ENDOFCHAIN, FREESECT = 0xFFFFFFFA, 0xFFFFFFFC, 0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF
RED, BLACK = 0, 1
EMPTY, STORAGE, STREAM, ROOT = 0, 1, 2, 5
VBA_PROJECT_ON_WRITE = bytes.fromhex("CC61FFFF000100")
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@dataclass
class Entry:
    sid: int
    name: str
    name_len: int
    kind: int
    color: int
    left: int
    right: int
    child: int
    start: int
    size: int
    offset: int           # file offset of the 128-byte entry (where a writer would patch it)


@dataclass
class Compound:
    entries: list[Entry]
    streams: dict[str, bytes] = field(default_factory=dict)   # "VBA/dir" -> bytes
    problems: list[str] = field(default_factory=list)


def cfb_key(name: str) -> tuple[int, str]:
    """MS-CFB 2.6.4: shorter names first, then code point by code point, upper-cased."""
    return len(name), "".join(c.upper() if len(c.upper()) == 1 else c for c in name)


def read_compound(data: bytes) -> Compound:
    """Parse a compound file, checking MS-CFB as it goes."""
    problems: list[str] = []
    bad = problems.append
    if len(data) < 512 or data[:8] != SIGNATURE:
        return Compound([], problems=["MS-CFB 2.2: not a compound file (signature)"])
    (minor, major, order, shift, mini_shift) = struct.unpack_from("<HHHHH", data, 24)
    reserved = data[34:40]
    n_dir, n_fat, first_dir, _txn, cutoff, first_minifat, n_minifat, first_difat, n_difat = \
        struct.unpack_from("<IIIIIIIII", data, 40)
    if order != 0xFFFE:
        bad("MS-CFB 2.2: byte order is not 0xFFFE")
    if data[8:24] != bytes(16):
        bad("MS-CFB 2.2: header CLSID is not zero")
    if (major, shift) not in ((3, 9), (4, 12)):
        bad(f"MS-CFB 2.2: major version {major} with sector shift {shift}")
        return Compound([], problems=problems)
    if mini_shift != 6 or cutoff != 4096:
        bad("MS-CFB 2.2: mini sector shift must be 6 and the cutoff 4096")
    if reserved != bytes(6) or (major == 3 and n_dir != 0):
        bad("MS-CFB 2.2: reserved fields / number of directory sectors must be zero in version 3")
    size = 1 << shift
    n_sectors = (len(data) - size + size - 1) // size

    def sector(i: int) -> bytes:
        return data[(i + 1) * size:(i + 2) * size]

    # DIFAT: 109 header entries, then DIFAT sectors (127 entries + next)
    difat = list(struct.unpack_from("<109I", data, 76))
    difat_sectors = []
    nxt = first_difat
    while nxt not in (ENDOFCHAIN, FREESECT) and len(difat_sectors) <= n_difat:
        if nxt >= n_sectors:
            bad(f"MS-CFB 2.5: DIFAT sector {nxt} beyond the file")
            break
        difat_sectors.append(nxt)
        vals = struct.unpack_from(f"<{size // 4}I", sector(nxt))
        difat += vals[:-1]
        nxt = vals[-1]
    if len(difat_sectors) != n_difat:
        bad(f"MS-CFB 2.2: header counts {n_difat} DIFAT sectors, the chain has {len(difat_sectors)}")
    fat_sectors = [s for s in difat if s != FREESECT]
    if len(fat_sectors) != n_fat:
        bad(f"MS-CFB 2.2: header counts {n_fat} FAT sectors, the DIFAT lists {len(fat_sectors)}")
    fat: list[int] = []
    for s in fat_sectors:
        if s >= n_sectors:
            bad(f"MS-CFB 2.3: FAT sector {s} beyond the file")
            continue
        fat += struct.unpack_from(f"<{size // 4}I", sector(s))
    for s in fat_sectors:
        if s < len(fat) and fat[s] != FATSECT:
            bad(f"MS-CFB 2.3: FAT sector {s} not marked FATSECT")
    for s in difat_sectors:
        if s < len(fat) and fat[s] != DIFSECT:
            bad(f"MS-CFB 2.5: DIFAT sector {s} not marked DIFSECT")
    for i in range(n_sectors, len(fat)):
        if fat[i] != FREESECT:
            bad(f"MS-CFB 2.3: FAT entry {i} past the end of the file is not FREESECT")
            break

    owner: dict[tuple[str, int], str] = {}

    def chain(table: list[int], start: int, what: str, space: str, limit: int) -> list[int]:
        out: list[int] = []
        s = start
        while s != ENDOFCHAIN:
            if s > MAXREGSECT or s >= limit or s >= len(table):
                bad(f"MS-CFB 2.1: {what}: sector {s:#x} is not a valid sector in the chain")
                break
            if (space, s) in owner:
                bad(f"MS-CFB 2.1: {what}: sector {s} already belongs to {owner[(space, s)]}"
                    + (" (a cycle)" if owner[(space, s)] == what else ""))
                break
            owner[(space, s)] = what
            out.append(s)
            s = table[s]
        return out

    dir_chain = chain(fat, first_dir, "the directory", "fat", n_sectors)
    raw_dir = b"".join(sector(s) for s in dir_chain)
    entries: list[Entry] = []
    for sid in range(len(raw_dir) // 128):
        off = (dir_chain[sid * 128 // size] + 1) * size + (sid * 128) % size
        e = raw_dir[sid * 128:(sid + 1) * 128]
        name_raw, name_len, kind, color, left, right, child = struct.unpack_from("<64sHBBIII", e)
        start, size_lo, size_hi = struct.unpack_from("<III", e, 116)
        if kind == EMPTY:
            # name, length and size zero (writers differ on the colour byte and the start sector of free entries)
            if any(e[:66] + e[120:]):
                bad(f"MS-CFB 2.6.3: free directory entry {sid} has a name or a size")
            if (left, right, child) != (NOSTREAM,) * 3:
                bad(f"MS-CFB 2.6.3: free directory entry {sid} has sibling or child pointers")
            entries.append(Entry(sid, "", 0, EMPTY, color, left, right, child, start, 0, off))
            continue
        if kind not in (STORAGE, STREAM, ROOT):
            bad(f"MS-CFB 2.6.1: entry {sid} has object type {kind}")
        if color not in (RED, BLACK):
            bad(f"MS-CFB 2.6.1: entry {sid} has colour {color}")
        if name_len % 2 or not 2 <= name_len <= 64 or name_raw[name_len - 2:name_len] != b"\0\0":
            bad(f"MS-CFB 2.6.1: entry {sid} name length {name_len}")
            name_len = max(2, min(64, name_len - name_len % 2))
        name = name_raw[:name_len - 2].decode("utf-16-le", "replace")
        if any(c in name for c in "/\\:!"):
            bad(f"MS-CFB 2.6.1: entry {sid} name {name!r} has an illegal character")
        if major == 3 and size_hi:
            bad(f"MS-CFB 2.6.3: entry {sid} size high DWORD is not zero")
        if kind == STREAM and child != NOSTREAM:
            bad(f"MS-CFB 2.6.1: stream {name!r} has a child")
        entries.append(Entry(sid, name, name_len, kind, color, left, right, child, start, size_lo, off))
    if not entries or entries[0].kind != ROOT or entries[0].name != "Root Entry":
        bad("MS-CFB 2.6.2: entry 0 is not the Root Entry")
        return Compound(entries, problems=problems)
    cp = Compound(entries, problems=problems)

    # mini stream and mini FAT
    root = entries[0]
    ministream_chain = chain(fat, root.start, "the mini stream", "fat", n_sectors) if root.size else []
    if root.size and len(ministream_chain) != (root.size + size - 1) // size:
        bad(f"MS-CFB 2.6.3: the mini stream has {len(ministream_chain)} sectors for {root.size} bytes")
    ministream = b"".join(sector(s) for s in ministream_chain)
    minifat_chain = chain(fat, first_minifat, "the mini FAT", "fat", n_sectors) if n_minifat else []
    if len(minifat_chain) != n_minifat:
        bad(f"MS-CFB 2.2: header counts {n_minifat} mini FAT sectors, the chain has {len(minifat_chain)}")
    minifat: list[int] = []
    for s in minifat_chain:
        minifat += struct.unpack_from(f"<{size // 4}I", sector(s))

    # the trees: every storage's children, reached exactly once
    seen: set[int] = {0}

    def walk_tree(parent: Entry, path: str) -> None:
        names: set[tuple[int, str]] = set()

        def visit(sid: int, lo, hi, parent_red: bool, depth: int) -> None:
            if sid == NOSTREAM:
                return
            if sid >= len(entries) or entries[sid].kind == EMPTY:
                bad(f"MS-CFB 2.6.4: {path or 'root'}: pointer to a missing entry {sid}")
                return
            if sid in seen or depth > len(entries):
                bad(f"MS-CFB 2.6.4: entry {sid} reached twice (a cycle or shared node)")
                return
            seen.add(sid)
            e = entries[sid]
            key = cfb_key(e.name)
            if key in names:
                bad(f"MS-CFB 2.6.4: {path or 'root'}: two entries named {e.name!r}")
            names.add(key)
            if (lo is not None and key <= lo) or (hi is not None and key >= hi):
                bad(f"MS-CFB 2.6.4: {path or 'root'}: {e.name!r} out of order in the tree")
            if e.color == RED and parent_red:
                bad(f"MS-CFB 2.6.4: {path or 'root'}: two consecutive red nodes ({e.name!r} under a red node)")
            visit(e.left, lo, key, e.color == RED, depth + 1)
            visit(e.right, key, hi, e.color == RED, depth + 1)
            if e.kind == STORAGE:
                walk_tree(e, f"{path}{e.name}/")

        if parent.child != NOSTREAM and parent.child < len(entries) and entries[parent.child].color != BLACK:
            bad(f"MS-CFB 2.6.4: {path or 'root'}: the tree's root {entries[parent.child].name!r} is red")
        visit(parent.child, None, None, False, 0)

    walk_tree(root, "")
    for e in entries:
        if e.kind != EMPTY and e.sid not in seen:
            bad(f"MS-CFB 2.6.4: entry {e.sid} ({e.name!r}) is not in any tree")

    # stream contents, with sector counts matching sizes
    def collect(parent: Entry, path: str) -> None:
        stack = [parent.child]
        while stack:
            sid = stack.pop()
            if sid == NOSTREAM or sid >= len(entries):
                continue
            e = entries[sid]
            stack += [e.left, e.right]
            if e.kind == STORAGE:
                collect(e, f"{path}{e.name}/")
            elif e.kind == STREAM:
                if e.size == 0:
                    cp.streams[path + e.name] = b""
                    continue
                if e.size < cutoff:
                    sectors = chain(minifat, e.start, path + e.name, "mini", len(ministream) // 64)
                    body = b"".join(ministream[s * 64:(s + 1) * 64] for s in sectors)
                    need = (e.size + 63) // 64
                else:
                    sectors = chain(fat, e.start, path + e.name, "fat", n_sectors)
                    body = b"".join(sector(s) for s in sectors)
                    need = (e.size + size - 1) // size
                if len(sectors) != need:
                    bad(f"MS-CFB 2.1: {path + e.name}: {len(sectors)} sectors for {e.size} bytes (expected {need})")
                cp.streams[path + e.name] = body[:e.size]

    if not problems:
        collect(root, "")
    return cp


# ------------------------------------------------------------------------------------------------ MS-OVBA

def decompress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1 decompression (CompressedContainer → bytes); raises ValueError on a malformed container."""
    if not data or data[0] != 0x01:
        raise ValueError("no compressed container signature 0x01")
    out = bytearray()
    pos = 1
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError("truncated chunk header")
        header = struct.unpack_from("<H", data, pos)[0]
        chunk_size = (header & 0x0FFF) + 3
        if (header >> 12) & 0x7 != 0b011:
            raise ValueError("bad chunk signature")
        compressed = header & 0x8000
        end = min(pos + chunk_size, len(data))
        pos += 2
        start = len(out)
        if not compressed:
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                d = len(out) - start
                bits = max((d - 1).bit_length(), 4)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                if offset > d:
                    raise ValueError("copy token before the chunk start")
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


@dataclass
class Module:
    name: str
    stream: str = ""
    offset: int | None = None
    procedural: bool | None = None
    cookie_seen: bool = False


def read_dir(data: bytes) -> tuple[dict[str, object], list[Module], list[str]]:
    """Parse the decompressed ``dir`` stream record by record (MS-OVBA 2.3.4.2)."""
    problems: list[str] = []
    bad = problems.append
    info: dict[str, object] = {}
    modules: list[Module] = []
    pos = 0

    def record(expect: int | tuple[int, ...] | None = None) -> tuple[int, bytes]:
        nonlocal pos
        if pos + 6 > len(data):
            raise ValueError("dir stream ends inside a record")
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == 0x0009:                      # PROJECTVERSION: Reserved=4, then 4 + 2 bytes
            body = data[pos + 6:pos + 12]
            pos += 12
        else:
            body = data[pos + 6:pos + 6 + size]
            pos += 6 + size
        if expect is not None and rid not in ((expect,) if isinstance(expect, int) else expect):
            raise ValueError(f"record {rid:#06x} where {expect} was expected")
        return rid, body

    def peek() -> int:
        return struct.unpack_from("<H", data, pos)[0] if pos + 2 <= len(data) else -1

    try:
        _, body = record(0x0001)
        info["syskind"] = struct.unpack("<I", body)[0]
        if info["syskind"] not in (0, 1, 2, 3):
            bad(f"MS-OVBA 2.3.4.2.1.1: SYSKIND {info['syskind']}")
        if peek() == 0x004A:
            record(0x004A)
        _, body = record(0x0002)
        info["lcid"] = struct.unpack("<I", body)[0]
        _, body = record(0x0014)
        info["lcidinvoke"] = struct.unpack("<I", body)[0]
        if info["lcid"] != 0x409 or info["lcidinvoke"] != 0x409:
            bad("MS-OVBA 2.3.4.2.1.3: PROJECTLCID and PROJECTLCIDINVOKE must be 0x409")
        _, body = record(0x0003)
        info["codepage"] = codepage = struct.unpack("<H", body)[0]
        codec = f"cp{codepage}"
        _, body = record(0x0004)
        info["name"] = body.decode(codec, "replace")
        record(0x0005)
        record(0x0040)
        record(0x0006)
        record(0x003D)
        record(0x0007)
        record(0x0008)
        record(0x0009)
        if peek() == 0x000C:
            record(0x000C)
            record(0x003C)
        refs = 0
        while peek() in (0x0016, 0x0033, 0x002F, 0x000D, 0x000E):
            rid, _ = record()
            if rid == 0x0016:
                record(0x003E)
                rid, _ = record((0x0033, 0x002F, 0x000D, 0x000E))
            if rid == 0x0033:
                record(0x002F)
                rid = 0x002F
            if rid == 0x002F:
                if peek() == 0x0016:
                    record(0x0016)
                    record(0x003E)
                record(0x0030)
            refs += 1
        info["references"] = refs
        _, body = record(0x000F)
        count = struct.unpack("<H", body)[0]
        record(0x0013)
        for _ in range(count):
            _, body = record(0x0019)
            m = Module(body.decode(codec, "replace"))
            if peek() == 0x0047:
                record(0x0047)
            _, body = record(0x001A)
            m.stream = body.decode(codec, "replace")
            record(0x0032)
            record(0x001C)
            record(0x0048)
            _, body = record(0x0031)
            m.offset = struct.unpack("<I", body)[0]
            record(0x001E)
            record(0x002C)
            rid, _ = record((0x0021, 0x0022))
            m.procedural = rid == 0x0021
            while peek() in (0x0025, 0x0028):
                record()
            record(0x002B)
            modules.append(m)
        record(0x0010)
        if pos != len(data):
            bad(f"MS-OVBA 2.3.4.2: {len(data) - pos} bytes after the dir terminator")
    except (ValueError, struct.error, LookupError) as exc:
        bad(f"MS-OVBA 2.3.4.2: dir stream: {exc}")
    return info, modules, problems


def read_project_stream(text: str) -> tuple[dict[str, str], list[tuple[str, str]], list[str]]:
    """PROJECT (MS-OVBA 2.3.1): properties and the module lines (kind, name)."""
    problems = []
    if re.search(r"(?<!\r)\n", text):
        problems.append("MS-OVBA 2.3.1: PROJECT stream lines must end in CRLF")
    props: dict[str, str] = {}
    mods: list[tuple[str, str]] = []
    for line in text.split("\r\n"):
        if line.startswith("["):
            break
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key in ("Module", "Document", "Class", "BaseClass"):
            mods.append((key, value.split("/")[0]))
        else:
            props[key] = value
    return props, mods, problems


def read_projectwm(data: bytes, codec: str) -> tuple[list[str], list[str]]:
    """PROJECTwm (MS-OVBA 2.3.3): pairs of MBCS and UTF-16 module names, ended by 0x0000."""
    names, problems = [], []
    pos = 0
    while pos < len(data):
        if data[pos:pos + 2] == b"\0\0" and pos + 2 == len(data):
            return names, problems
        end = data.find(b"\0", pos)
        if end < 0:
            break
        mbcs = data[pos:end].decode(codec, "replace")
        pos = end + 1
        u_end = pos
        while u_end + 1 < len(data) and data[u_end:u_end + 2] != b"\0\0":
            u_end += 2
        uni = data[pos:u_end].decode("utf-16-le", "replace")
        pos = u_end + 2
        if uni != mbcs:
            problems.append(f"MS-OVBA 2.3.3: PROJECTwm names {mbcs!r} and {uni!r} differ")
        names.append(mbcs)
    problems.append("MS-OVBA 2.3.3: PROJECTwm does not end with 0x0000")
    return names, problems


def check_vba_project(data: bytes, code_names: list[str] | None = None, strict: bool = True) -> list[str]:
    """Departures of a ``vbaProject.bin`` from MS-CFB and MS-OVBA; ``code_names`` are the workbook's and its
    sheets' code names (each needs a document module, and each document module one of them).

    ``strict`` adds what Excel itself always writes though the specifications do not require it: module
    sources with CRLF line ends (xlwings' quickstart add-ins carry an LF-only ``xlwings`` module that Excel
    accepts, so it is checked here as Excel's form, not as an MS-OVBA rule)."""
    cp = read_compound(data)
    problems = list(cp.problems)
    streams = cp.streams
    if not streams:
        return problems or ["MS-OVBA 2.2: no streams"]
    for need in ("PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir"):
        if need not in streams:
            problems.append(f"MS-OVBA 2.2: stream {need} missing")
    if problems:
        return problems
    vp = streams["VBA/_VBA_PROJECT"]
    if vp[:2] != b"\xcc\x61":
        problems.append("MS-OVBA 2.3.4.1: _VBA_PROJECT Reserved1 is not 0x61CC")
    if vp[2:4] != b"\xff\xff":
        problems.append(f"MS-OVBA 2.3.4.1: _VBA_PROJECT Version is {vp[2:4].hex()}, MUST be 0xFFFF on write")
    if vp[4:7] != b"\x00\x01\x00":
        problems.append("MS-OVBA 2.3.4.1: _VBA_PROJECT Reserved2/Reserved3 are not 0x00, 0x0001")
    if len(vp) > 7:
        problems.append(f"MS-OVBA 2.3.4.1: _VBA_PROJECT carries a {len(vp) - 7}-byte performance cache, "
                        "which MUST NOT be present on write")
    try:
        dir_data = decompress(streams["VBA/dir"])
    except ValueError as exc:
        return problems + [f"MS-OVBA 2.4.1: dir stream does not decompress: {exc}"]
    info, modules, more = read_dir(dir_data)
    problems += more
    codec = f"cp{info.get('codepage', 1252)}"
    props, listed, more = read_project_stream(streams["PROJECT"].decode(codec, "replace"))
    problems += more
    if props.get("Name", "").strip('"') != info.get("name"):
        problems.append(f"MS-OVBA 2.3.1.5: PROJECT Name {props.get('Name')} differs from dir's {info.get('name')!r}")
    in_dir = {m.name for m in modules}
    if {n for _, n in listed} != in_dir:
        problems.append(f"MS-OVBA 2.3.1: PROJECT lists {sorted(n for _, n in listed)}, dir {sorted(in_dir)}")
    for kind, name in listed:
        m = next((m for m in modules if m.name == name), None)
        if m is not None and (kind == "Module") != bool(m.procedural):
            problems.append(f"MS-OVBA 2.3.1: {name} is {kind} in PROJECT but "
                            f"{'procedural' if m.procedural else 'document/class'} in dir")
    wm, more = read_projectwm(streams["PROJECTwm"], codec)
    problems += more
    if set(wm) != in_dir:
        problems.append(f"MS-OVBA 2.3.3: PROJECTwm names {sorted(wm)}, dir {sorted(in_dir)}")
    for m in modules:
        path = f"VBA/{m.stream}"
        if path not in streams:
            problems.append(f"MS-OVBA 2.3.4.3: module {m.name}: stream {m.stream} missing")
            continue
        body = streams[path]
        if m.offset is None or m.offset >= len(body):
            problems.append(f"MS-OVBA 2.3.4.3: module {m.name}: MODULEOFFSET {m.offset} outside its stream")
            continue
        try:
            source = decompress(body[m.offset:]).decode(codec, "replace")
        except ValueError as exc:
            problems.append(f"MS-OVBA 2.3.4.3: module {m.name}: source does not decompress: {exc}")
            continue
        if strict and (re.search(r"(?<!\r)\n", source) or re.search(r"\r(?!\n)", source)):
            problems.append(f"MS-OVBA 2.3.4.3: module {m.name}: source lines must end in CRLF")
        vb_name = re.match(r'Attribute VB_Name = "([^"]*)"', source)
        if not vb_name or vb_name.group(1) != m.name:
            problems.append(f"MS-OVBA 2.3.4.3: module {m.name}: Attribute VB_Name does not name it")
    if code_names is not None:
        for name in code_names:
            if name not in in_dir:
                problems.append(f"workbook: code name {name} has no document module")
        for m in modules:
            if m.procedural is False and m.name not in code_names and _is_document(streams, m, codec):
                problems.append(f"workbook: document module {m.name} belongs to no sheet or workbook")
    return problems


def _is_document(streams: dict[str, bytes], m: Module, codec: str) -> bool:
    """A document module (not a class module): its source declares the document base class."""
    try:
        source = decompress(streams[f"VBA/{m.stream}"][m.offset or 0:]).decode(codec, "replace")
    except (ValueError, KeyError):
        return False
    base = re.search(r'Attribute VB_Base = "([^"]*)"', source)
    return bool(base and base.group(1).startswith("0{000208"))   # Excel's workbook/sheet classes


def code_names(package: zipfile.ZipFile) -> list[str]:
    """workbookPr/@codeName and each worksheet's sheetPr/@codeName."""
    names = []
    wb = etree.fromstring(package.read("xl/workbook.xml"))
    pr = wb.find(f"{MAIN}workbookPr")
    if pr is not None and pr.get("codeName"):
        names.append(pr.get("codeName"))
    for part in sorted(n for n in package.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)):
        sp = etree.fromstring(package.read(part)).find(f"{MAIN}sheetPr")
        if sp is not None and sp.get("codeName"):
            names.append(sp.get("codeName"))
    return names


def check_xlam(data: bytes, strict: bool = True) -> list[str]:
    """All departures of an add-in package (bytes of an .xlam/.xlsm)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if "xl/vbaProject.bin" not in z.namelist():
            return ["package: no xl/vbaProject.bin"]
        return check_vba_project(z.read("xl/vbaProject.bin"), code_names(z), strict)
