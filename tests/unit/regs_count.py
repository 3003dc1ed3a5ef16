#!/usr/bin/env python3
"""regs_count.py - counts blocks, registers, fields and enumerated values of
SVD and IP-XACT files independently of src/regs*.c (Python's ElementTree,
written separately), for the expected numbers in check_regs_files.c.

Counting rules, as the files state them: an SVD peripheral with
derivedFrom has its base's registers (plus its own); dim multiplies a
register or cluster; enumeratedValues derivedFrom counts the base's
values.  IP-XACT: address blocks of memoryMaps (banks included) and of
addressSpaces' localMemoryMaps; a register's dims multiply it (dim 0 is
kactus2's "no array"); register files multiply their registers.
Usage: tests/unit/regs_count.py FILE...
"""
import sys
import xml.etree.ElementTree as ET


def local(tag):
    return tag.rsplit('}', 1)[-1]


def kids(e, name):
    return [k for k in e if local(k.tag) == name]


def kid(e, name):
    k = kids(e, name)
    return k[0] if k else None


def text(e, name):
    k = kid(e, name)
    return k.text.strip() if k is not None and k.text else None


def svd(root):
    periph = {text(p, 'name'): p for p in kid(root, 'peripherals')}
    # enumeratedValues by name, within their peripheral first (a name
    # is resolved in its scope: esp32 has two different WDT_STG0).
    enums_by_name = {}
    for p in kid(root, 'peripherals'):
        for ev in p.iter():
            if local(ev.tag) == 'enumeratedValues' and text(ev, 'name'):
                enums_by_name.setdefault((text(p, 'name'), text(ev, 'name')), ev)

    def dim(e):
        return int(text(e, 'dim'), 0) if text(e, 'dim') else 1

    def count_regs(container, pname):
        regs = fields = enums = 0
        for e in container:
            if local(e.tag) == 'register':
                nf = ne = 0
                fs = kid(e, 'fields')
                for f in (fs if fs is not None else []):
                    nf += dim(f)
                    for ev in kids(f, 'enumeratedValues'):
                        src = enums_by_name[(pname, ev.get('derivedFrom'))] if ev.get('derivedFrom') else ev
                        ne += len(kids(src, 'enumeratedValue')) * dim(f)
                regs += dim(e)
                fields += nf * dim(e)
                enums += ne * dim(e)
            elif local(e.tag) == 'cluster':
                r, f, n = count_regs(e, pname)
                regs += r * dim(e)
                fields += f * dim(e)
                enums += n * dim(e)
        return regs, fields, enums

    blocks = regs = fields = enums = 0
    for name, p in periph.items():
        own = kid(p, 'registers')
        base = periph[p.get('derivedFrom')] if p.get('derivedFrom') else None
        r = f = n = 0
        for src, pn in ([(kid(base, 'registers'), text(base, 'name'))] if base is not None else []) + [(own, name)]:
            if src is not None:
                a, b, c = count_regs(src, pn)
                r, f, n = r + a, f + b, n + c
        blocks += dim(p)
        regs += r * dim(p)
        fields += f * dim(p)
        enums += n * dim(p)
    return blocks, regs, fields, enums


def ipxact(root):
    def dims(e):
        n = 1
        for d in kids(e, 'dim'):
            v = int(d.text.strip().replace("'h", "0x"), 0)
            n *= v if v else 1
        return n

    def regs_of(e):
        r = f = n = 0
        for k in e:
            if local(k.tag) == 'register':
                nf = len(kids(k, 'field'))
                ne = sum(len(kids(ev, 'enumeratedValue')) for fl in kids(k, 'field')
                         for ev in kids(fl, 'enumeratedValues'))
                r += dims(k)
                f += nf * dims(k)
                n += ne * dims(k)
            elif local(k.tag) == 'registerFile':
                a, b, c = regs_of(k)
                r, f, n = r + a * dims(k), f + b * dims(k), n + c * dims(k)
        return r, f, n

    blocks = regs = fields = enums = 0
    maps = [m for ms in kids(root, 'memoryMaps') for m in kids(ms, 'memoryMap')]
    maps += [kid(s, 'localMemoryMap') for ss in kids(root, 'addressSpaces')
             for s in kids(ss, 'addressSpace') if kid(s, 'localMemoryMap') is not None]
    for m in maps:
        for b in m.iter():
            if local(b.tag) == 'addressBlock':
                blocks += 1
                a, c, d = regs_of(b)
                regs, fields, enums = regs + a, fields + c, enums + d
    return blocks, regs, fields, enums


for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    b, r, f, n = (svd if local(root.tag) == 'device' else ipxact)(root)
    print(f'{path}: blocks {b} registers {r} fields {f} enums {n}')
