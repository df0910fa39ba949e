#!/usr/bin/env python3
"""Generates Kiln's decode tables from the opcode maps in frontend/tables/*.txt.

The tables are written one row per opcode-map cell in Intel SDM notation (Vol.2 Appendix A):

    MAP  OPCODE  [CONDITION ...]  MNEMONIC  [OPERAND,OPERAND,...]  [+ATTRIBUTE ...]

MAP is 00 (one-byte), 0F, 0F38, 0F3A for legacy encodings, V0F, V0F38, V0F3A for VEX.
CONDITIONs narrow the row (see CONDITIONS below). Rows for one opcode become a decision tree
whose inner nodes select on one field each; a row that names a value beats a row that does
not name the field (so `bsf` and `F3 tzcnt` can share 0F BC).

Outputs (into the directory given by --out):
  mnemonics.inc       KILN_MNEMONIC(NAME) for INVALID and every mnemonic in the tables
  decode_tables.inc   kInsnDefs[], kNodes[] and the root index of every map
"""

import argparse
import os
import re
import sys

MAPS = ["00", "0F", "0F38", "0F3A", "V0F", "V0F38", "V0F3A", "E0F", "E0F38", "E0F3A", "E5", "E6"]

# Selectors in the order the tree tests them. Each has a fixed number of children.
# The C++ side (frontend/decode_tables.h) mirrors this list.
SELECTORS = [
    # name      children  meaning of the child index
    ("mode",    2),   # 0: 16/32-bit mode, 1: 64-bit mode
    ("pfx",     4),   # mandatory prefix: 0 none, 1 66, 2 F3, 3 F2
    ("w",       2),   # REX.W / VEX.W / EVEX.W as written
    ("wg",      2),   # W as a GPR operand size: VEX.W in 64-bit mode, 0 outside it (ignored there)
    ("l",       4),   # VEX.L / EVEX.L'L (2 = 512 bits, also for EVEX rounding control)
    ("osz",     3),   # effective operand size: 0 16, 1 32, 2 64
    ("asz",     3),   # effective address size: 0 16, 1 32, 2 64
    ("rexb",    2),   # REX.B (for 90: NOP vs XCHG r8)
    ("mod",     2),   # 0: memory (mod != 3), 1: register (mod == 3)
    ("reg",     8),   # ModRM.reg
    ("rm",      8),   # ModRM.rm
]
SELECTOR_INDEX = {name: i for i, (name, _) in enumerate(SELECTORS)}

COND_PATTERNS = [
    (re.compile(r"^NP$"), lambda m: ("pfx", 0)),
    (re.compile(r"^66$"), lambda m: ("pfx", 1)),
    (re.compile(r"^F3$"), lambda m: ("pfx", 2)),
    (re.compile(r"^F2$"), lambda m: ("pfx", 3)),
    (re.compile(r"^/([0-7])$"), lambda m: ("reg", int(m.group(1)))),
    (re.compile(r"^mem$"), lambda m: ("mod", 0)),
    (re.compile(r"^reg$"), lambda m: ("mod", 1)),
    (re.compile(r"^rm([0-7])$"), lambda m: ("rm", int(m.group(1)))),
    (re.compile(r"^W([01])$"), lambda m: ("w", int(m.group(1)))),
    (re.compile(r"^Wg([01])$"), lambda m: ("wg", int(m.group(1)))),
    (re.compile(r"^L([012])$"), lambda m: ("l", int(m.group(1)))),
    (re.compile(r"^i64$"), lambda m: ("mode", 0)),
    (re.compile(r"^o64$"), lambda m: ("mode", 1)),
    (re.compile(r"^os(16|32|64)$"), lambda m: ("osz", {"16": 0, "32": 1, "64": 2}[m.group(1)])),
    (re.compile(r"^as(16|32|64)$"), lambda m: ("asz", {"16": 0, "32": 1, "64": 2}[m.group(1)])),
    (re.compile(r"^rexb([01])$"), lambda m: ("rexb", int(m.group(1)))),
]

# Operand addressing methods (SDM Vol.2 A.2.1, plus Kiln's additions). Must match
# enum class OperandMethod in frontend/decode_tables.h.
METHODS = [
    "None",
    "E", "G", "M", "R", "Z",       # GPR / memory forms; Z: register in opcode bits 2:0
    "I", "Is", "J", "O", "A",      # immediates, relative, moffs, far pointer
    "S", "C", "D",                 # segment, control, debug register in ModRM.reg
    "V", "W", "U", "H", "L",       # vector register forms (L: register in imm8[7:4])
    "P", "Q", "N",                 # MMX forms
    "B",                           # GPR in VEX.vvvv
    "Fixed",                       # a fixed GPR (AL, rAX, DX...)
    "FixedSeg",                    # a fixed segment register (push ES)
    "One",                         # the constant 1 of the shift group D0/D1
    "St0", "Sti",                  # x87 ST(0) and ST(rm)
    "Ev",                          # E whose register form has the size in `extra`, memory form the given size
    "Wv", "Qv",                    # the same split for W and Q
    "K", "KR", "KH", "KE",         # opmask register: ModRM.reg, ModRM.rm (register only), VEX.vvvv, ModRM.rm or memory
    "Y",                           # VSIB memory: index register of the vector length given by the size
    "T", "TR", "TH",               # AMX tile register: ModRM.reg, ModRM.rm (register only), VEX.vvvv
]

# Operand sizes (SDM Vol.2 A.2.2, plus x87 memory formats). Must match enum class OperandSize.
SIZES = [
    "none", "b", "w", "d", "q", "dq", "qq", "v", "z", "y", "x", "h", "p", "s", "a", "r",
    "t",      # 10 bytes: m80fp, m80bcd
    "env",    # 14/28 bytes: FLDENV/FNSTENV image by operand size
    "fst",    # 94/108 bytes: FNSAVE/FRSTOR image by operand size
    "fx",     # 512 bytes: FXSAVE area
    "xs",     # XSAVE area (size not fixed: reported as 0)
    "agen",   # address generation only (LEA): no memory access
    "xq",     # a quarter of x: 4 or 8 bytes (VPMOVSXBD)
    "xo",     # an eighth of x: 2 or 4 bytes (VPMOVSXBQ)
    "adr",    # the address size: 2, 4 or 8 (MOVDIR64B's destination register)
    "by48",   # 48 bytes (Key Locker 384-bit handle)
    "by64",   # 64 bytes (a 512-bit block: MOVDIR64B, ENQCMD, Key Locker 512-bit handle)
]

SIZE_ALIASES = {
    "ps": "x", "pd": "x", "ss": "d", "sd": "q", "pi": "q", "si": "d", "": "none",
}

FIXED_GPR = {
    # name: (register index, size)
    "AL": (0, "b"), "CL": (1, "b"), "DL": (2, "b"), "BL": (3, "b"),
    "AX": (0, "w"), "CX": (1, "w"), "DX": (2, "w"),
    "eAX": (0, "z"), "rAX": (0, "v"), "EAX": (0, "d"), "RAX": (0, "q"),
}
FIXED_SEG = {"ES": 0, "CS": 1, "SS": 2, "DS": 3, "FS": 4, "GS": 5}

# (table name, C++ constant, meaning). The generator writes the constants into
# decode_attrs.inc, so the C++ side cannot drift from this list.
ATTRIBUTE_LIST = [
    ("lock",     "kLock",      "LOCK is allowed (with a memory destination)"),
    ("d64",      "kDefault64", "64-bit default operand size in 64-bit mode (66 gives 16)"),
    ("f64",      "kForce64",   "64-bit operand size in 64-bit mode, 66 ignored (Intel near branches)"),
    ("rep",      "kRep",       "F3 acts as REP"),
    ("repcc",    "kRepCc",     "F3/F2 act as REPE/REPNE"),
    ("modrm",    "kModRm",     "has a ModRM byte even without a ModRM operand"),
    ("forcereg", "kForceReg",  "ModRM.mod is ignored and treated as 11b (MOV CRn/DRn)"),
    ("xmm0",     "kXmm0",      "implicit XMM0 operand (not listed)"),
    ("hle",      "kHle",       "XACQUIRE/XRELEASE hints allowed with LOCK"),
    ("bnd",      "kBnd",       "F2 acts as BND"),
    ("norep",    "kNoRep",     "F2/F3 (not consumed as a mandatory prefix) make the encoding invalid"),
    ("bcst",     "kBcst",      "EVEX: embedded broadcast allowed (EVEX.b with a memory operand)"),
    ("bcst2",    "kBcst2",     "EVEX: broadcast elements are 2 bytes (FP16), not 4/8 by EVEX.W"),
    ("er",       "kEr",        "EVEX: embedded rounding allowed (EVEX.b with registers)"),
    ("sae",      "kSae",       "EVEX: suppress-all-exceptions allowed (EVEX.b with registers)"),
    ("k1",       "kNeedMask",  "EVEX: an opmask other than k0 is required (gather/scatter)"),
    ("nomask",   "kNoMask",    "EVEX: opmask and zeroing are not allowed"),
    ("nozero",   "kNoZero",    "EVEX: zeroing-masking is not allowed"),
    ("t1sbw",    "kT1sBw",     "EVEX: disp8 scales by one element of 1 (W0) or 2 (W1) bytes"),
    ("t1sdq",    "kT1sDq",     "EVEX: disp8 scales by one element of 4 (W0) or 8 (W1) bytes"),
    ("distinct", "kDistinct",  "the vector/tile registers (and a VSIB index) must all differ (#UD otherwise)"),
    ("distinctdst", "kDistinctDst", "the destination register must differ from every source (#UD otherwise)"),
    ("sibmem",   "kSibMem",    "the memory operand needs a SIB byte (AMX sibmem)"),
]
ATTRIBUTES = [a[0] for a in ATTRIBUTE_LIST]
ATTR_BITS = {name: 1 << i for i, name in enumerate(ATTRIBUTES)}
# Computed attributes, set by the generator, never written in tables.
COMPUTED_ATTR_LIST = [
    ("has_modrm", "kHasModRm",  "computed: the encoding has a ModRM byte"),
    ("mandatory", "kMandatory", "computed: selected by a 66/F3/F2 prefix"),
    ("vex",       "kVex",       "computed: VEX-encoded form"),
    ("evex",      "kEvex",      "computed: EVEX-encoded form"),
    ("no_vvvv",   "kNoVvvv",    "computed: VEX/EVEX.vvvv must be 1111b (and EVEX.V' 1)"),
    ("vsib_op",   "kVsibOperand", "computed: an operand is VSIB memory (method Y)"),
]
for i, (name, _, _) in enumerate(COMPUTED_ATTR_LIST):
    ATTR_BITS[name] = 1 << (len(ATTRIBUTES) + i)
assert len(ATTR_BITS) <= 32

MODRM_METHODS = {"E", "G", "M", "R", "S", "C", "D", "V", "W", "U", "P", "Q", "N", "Ev", "Wv", "Qv", "Sti",
                 "K", "KR", "KE", "Y", "T", "TR"}


class TableError(Exception):
    pass


def parse_operand(text, where):
    if text in FIXED_GPR:
        idx, size = FIXED_GPR[text]
        return ("Fixed", size, idx)
    if text in FIXED_SEG:
        return ("FixedSeg", "w", FIXED_SEG[text])
    if text == "1":
        return ("One", "b", 0)
    if text == "ST0":
        return ("St0", "t", 0)
    if text == "STi":
        return ("Sti", "t", 0)
    # E, W or Q with distinct register and memory sizes: "Ed/w" = register d, memory w.
    m = re.match(r"^([EWQ])([a-z]+)/([a-z0-9]+)$", text)
    if m:
        method = {"E": "Ev", "W": "Wv", "Q": "Qv"}[m.group(1)]
        return (method, canonical_size(m.group(3), where), SIZES.index(canonical_size(m.group(2), where)))
    m = re.match(r"^(Is|K[RHE]?|T[RH]?|[A-Z])([a-z0-9]*)$", text)
    if not m:
        raise TableError(f"{where}: bad operand '{text}'")
    method, size = m.group(1), canonical_size(m.group(2), where)
    if method not in METHODS:
        raise TableError(f"{where}: unknown addressing method '{method}' in '{text}'")
    return (method, size, 0)


def canonical_size(s, where):
    s = SIZE_ALIASES.get(s, s)
    if s not in SIZES:
        raise TableError(f"{where}: unknown operand size '{s}'")
    return s


class Row:
    def __init__(self, map_name, opcode, conds, mnemonic, operands, attrs, where):
        self.map = map_name
        self.opcode = opcode
        self.conds = conds          # selector name -> value
        self.mnemonic = mnemonic
        self.operands = operands
        self.attrs = attrs
        self.where = where
        self.mandatory = False  # set while building: selected by a 66/F3/F2 prefix
        self.score = 0          # set while building: conditions matched so far


def parse_tables(paths):
    rows = []
    for path in paths:
        with open(path) as f:
            for lineno, raw in enumerate(f, 1):
                line = raw.split("#", 1)[0].strip()
                if not line:
                    continue
                where = f"{os.path.basename(path)}:{lineno}"
                toks = line.split()
                if len(toks) < 3:
                    raise TableError(f"{where}: too few fields")
                map_name = toks[0]
                if map_name not in MAPS:
                    raise TableError(f"{where}: unknown map '{map_name}'")
                opcodes = parse_opcode_range(toks[1], where)
                i = 2
                conds = {}
                while i < len(toks):
                    matched = False
                    for pat, fn in COND_PATTERNS:
                        m = pat.match(toks[i])
                        if m:
                            name, value = fn(m)
                            if name in conds:
                                raise TableError(f"{where}: condition on '{name}' given twice")
                            conds[name] = value
                            matched = True
                            break
                    if not matched:
                        break
                    i += 1
                if i >= len(toks):
                    raise TableError(f"{where}: no mnemonic")
                mnemonic = toks[i]
                if not re.match(r"^[a-z][a-z0-9_]*$", mnemonic):
                    raise TableError(f"{where}: bad mnemonic '{mnemonic}'")
                i += 1
                operands = []
                if i < len(toks) and not toks[i].startswith("+"):
                    operands = [parse_operand(t, where) for t in toks[i].split(",")]
                    i += 1
                attrs = []
                while i < len(toks):
                    if not toks[i].startswith("+") or toks[i][1:] not in ATTRIBUTES:
                        raise TableError(f"{where}: bad attribute '{toks[i]}'")
                    attrs.append(toks[i][1:])
                    i += 1
                if len(operands) > 4:
                    raise TableError(f"{where}: more than 4 operands")
                for n, opc in enumerate(opcodes):
                    row_ops = operands
                    # A range of opcodes with register-in-opcode operands shares a row.
                    rows.append(Row(map_name, opc, dict(conds), mnemonic, row_ops, attrs, where))
    return rows


def parse_opcode_range(text, where):
    m = re.match(r"^([0-9A-F]{2})(?:-([0-9A-F]{2}))?$", text)
    if not m:
        raise TableError(f"{where}: bad opcode '{text}'")
    lo = int(m.group(1), 16)
    hi = int(m.group(2), 16) if m.group(2) else lo
    if hi < lo:
        raise TableError(f"{where}: bad opcode range '{text}'")
    return list(range(lo, hi + 1))


class Builder:
    def __init__(self):
        self.defs = []          # (mnemonic, operands, attr_bits)
        self.def_index = {}
        self.nodes = []         # (kind, arg)

    def add_def(self, row, mandatory):
        bits = 0
        for a in row.attrs:
            bits |= ATTR_BITS[a]
        methods = {op[0] for op in row.operands}
        if methods & MODRM_METHODS or "modrm" in row.attrs or any(
                k in row.conds for k in ("mod", "reg", "rm")):
            bits |= ATTR_BITS["has_modrm"]
        if mandatory:
            bits |= ATTR_BITS["mandatory"]
        if "Y" in methods:
            bits |= ATTR_BITS["vsib_op"]
        if row.map.startswith("V") or row.map.startswith("E"):
            bits |= ATTR_BITS["vex" if row.map.startswith("V") else "evex"]
            if not methods & {"H", "B", "KH", "TH"}:
                bits |= ATTR_BITS["no_vvvv"]
        key = (row.mnemonic, tuple(row.operands), bits)
        if key not in self.def_index:
            self.def_index[key] = len(self.defs)
            self.defs.append(key)
        return self.def_index[key]

    def build(self, rows, where):
        """Returns a node (kind, arg) for the rows of one opcode.

        A row matches when all its conditions hold; among the rows that match, the one that
        named the most of the tested fields wins (so `F3 tzcnt` beats `bsf` under F3, and
        `mem /3 callf` does not hide `/0 inc` in the memory branch).
        """
        if not rows:
            return ("Invalid", 0)
        # Find the first selector some row still conditions on.
        for sel_name, n_children in SELECTORS:
            if any(sel_name in r.conds for r in rows):
                break
        else:
            best = max(r.score for r in rows)
            winners = [r for r in rows if r.score == best]
            if len(winners) > 1:
                names = ", ".join(r.where for r in winners)
                raise TableError(f"ambiguous rows for {where}: {names}")
            r = winners[0]
            return ("Leaf", self.add_def(r, r.mandatory))
        children = []
        for value in range(n_children):
            sub = []
            for r in rows:
                if sel_name in r.conds and r.conds[sel_name] != value:
                    continue
                c = Row(r.map, r.opcode, dict(r.conds), r.mnemonic, r.operands, r.attrs, r.where)
                c.mandatory = r.mandatory
                c.score = r.score
                if sel_name in c.conds:
                    if sel_name == "pfx" and value != 0:
                        c.mandatory = True
                    c.score += 1 << (20 - SELECTOR_INDEX[sel_name])  # earlier selectors weigh more
                    del c.conds[sel_name]
                sub.append(c)
            children.append(self.build(sub, where))
        # Collapse selectors whose children are all the same.
        if all(ch == children[0] for ch in children):
            return children[0]
        first = len(self.nodes)
        self.nodes.extend([None] * n_children)
        for i, ch in enumerate(children):
            self.nodes[first + i] = ch
        return ("Sel_" + sel_name, first)


def generate(rows, out_dir):
    b = Builder()
    # Root nodes come first: map m, opcode o at index m*256+o.
    b.nodes = [None] * (len(MAPS) * 256)
    by_cell = {}
    for r in rows:
        by_cell.setdefault((r.map, r.opcode), []).append(r)
    for mi, map_name in enumerate(MAPS):
        for opc in range(256):
            cell = by_cell.get((map_name, opc), [])
            b.nodes[mi * 256 + opc] = b.build(cell, f"{map_name} {opc:02X}")

    mnemonics = sorted({d[0] for d in b.defs})
    os.makedirs(out_dir, exist_ok=True)
    write_if_changed(os.path.join(out_dir, "mnemonics.inc"),
                     "// Generated by frontend/gen/gen_decode_tables.py. Do not edit.\n"
                     + "KILN_MNEMONIC(INVALID)\n"
                     + "".join(f"KILN_MNEMONIC({m.upper()})\n" for m in mnemonics))

    out = ["// Generated by frontend/gen/gen_decode_tables.py from frontend/tables/*.txt. Do not edit.",
           f"// {len(rows)} rows, {len(b.defs)} instruction forms, {len(b.nodes)} nodes.",
           ""]
    attrs = ["// Generated by frontend/gen/gen_decode_tables.py. Do not edit."]
    for name, cpp, doc in ATTRIBUTE_LIST + COMPUTED_ATTR_LIST:
        attrs.append(f"inline constexpr uint32_t {cpp} = 0x{ATTR_BITS[name]:x}u;  ///< {doc}")
    write_if_changed(os.path.join(out_dir, "decode_attrs.inc"), "\n".join(attrs) + "\n")
    out.append(f"inline constexpr int kNumMaps = {len(MAPS)};")
    for mi, name in enumerate(MAPS):
        out.append(f"inline constexpr int kMap{name} = {mi};")
    out.append("")
    out.append("inline constexpr InsnDef kInsnDefs[] = {")
    for mnemonic, operands, bits in b.defs:
        ops = []
        for method, size, extra in operands:
            ops.append(f"{{OperandMethod::k{method}, OperandSize::k_{size}, {extra}}}")
        while len(ops) < 4:
            ops.append("{}")
        out.append(f"  {{Mnemonic::{mnemonic.upper()}, {len(operands)}, 0x{bits:x}, {{{', '.join(ops)}}}}},")
    out.append("};")
    out.append("")
    out.append("inline constexpr DecodeNode kNodes[] = {")
    for kind, arg in b.nodes:
        out.append(f"  {{NodeKind::k{kind}, {arg}}},")
    out.append("};")
    write_if_changed(os.path.join(out_dir, "decode_tables.inc"), "\n".join(out) + "\n")
    return b


def write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("tables", nargs="+")
    args = ap.parse_args()
    try:
        rows = parse_tables(args.tables)
        b = generate(rows, args.out)
    except TableError as e:
        print(f"gen_decode_tables: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
