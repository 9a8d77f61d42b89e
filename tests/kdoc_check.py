#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kdoc_check.py - every kernel-doc comment names what follows it

Usage: tests/kdoc_check.py [FILE or DIR ...]   (default: the C tree)

A comment opening with /** is kernel-doc. Unless it is a DOC: block, its
first line names what it documents: `name() - what it does` for a function,
`struct name - ...` (or union, enum), `typedef name - ...`, and the code
right under the comment must be that function (its definition or
prototype), struct, union, enum or typedef. A comment naming a function
that was renamed since is the mismatch this catches. Prints one line per
mismatch as FILE:LINE: and exits 1 if there was any.
"""
import os
import re
import sys

DEFAULT = ['stack', 'ipc', 'client', 'daemon', 'host', 'tools', 'preload',
           'examples', 'tests/unit', 'tests/fuzz', 'tests/tools', 'tests/api']
HEAD = re.compile(r'^/\*\*\s*\n?\s*\*?\s*(.*)')
FUNC = re.compile(r'^\s*([A-Za-z_]\w*)\(\)\s*-')
TYPE = re.compile(r'^\s*(struct|union|enum|typedef)\s+([A-Za-z_]\w*)\s*-')
ONE_LINE = re.compile(r'^/\*\*\s*(.*?)\s*\*/\s*$')


def first_line(comment):
    """The comment's first text line, without the comment markers."""
    m = ONE_LINE.match(comment) if '\n' not in comment else None
    if m:
        return m.group(1)
    for line in comment.splitlines():
        line = line.strip().lstrip('/').lstrip('*').strip()
        if line:
            return line
    return ''


def decl_after(text, pos):
    """The code right after position pos, up to the first { ; or =."""
    rest = text[pos:]
    # constants a struct uses may sit between it and its comment
    rest = re.sub(r'^(\s*#define[^\n]*\n)+', '', rest)
    rest = re.sub(r'^\s+', '', rest)
    m = re.match(r'[^{;=]*', rest, re.S)
    return m.group(0) if m else ''


def check_file(path):
    text = open(path, encoding='utf-8', errors='replace').read()
    bad = 0
    for m in re.finditer(r'/\*\*(?!\*).*?\*/', text, re.S):
        comment = m.group(0)
        head = first_line(comment)
        if head.startswith('DOC:') or not head:
            continue
        line = text.count('\n', 0, m.start()) + 1
        decl = decl_after(text, m.end())
        fm = FUNC.match(head)
        tm = TYPE.match(head)
        if fm:
            name = fm.group(1)
            # a function (or a function-like macro, or a pointer member)
            ok = re.search(r'(^|[\s*(])' + re.escape(name) + r'\s*\(', decl) \
                or re.match(r'#define\s+' + re.escape(name) + r'\(', decl)
            if not ok:
                got = re.search(r'([A-Za-z_]\w*)\s*\(', decl)
                print(f'{path}:{line}: comment names {name}() but '
                      f'documents {got.group(1) + "()" if got else repr(decl[:40])}')
                bad += 1
        elif tm:
            kind, name = tm.groups()
            if kind == 'typedef':
                ok = re.match(r'typedef\b', decl) and re.search(
                    r'\b' + re.escape(name) + r'\b', decl + text[m.end():m.end() + 400].split(';')[0])
            else:
                # a definition may declare a variable too:
                # `static struct name { ... } var;`
                ok = re.match(r'(?:(?:static|const)\s+)*' + kind + r'\s+' +
                              re.escape(name) + r'\b', decl)
            if not ok:
                print(f'{path}:{line}: comment names {kind} {name} but '
                      f'documents {decl[:40]!r}')
                bad += 1
        else:
            print(f'{path}:{line}: kernel-doc comment does not open with '
                  f'"name() - " or "struct name - ": {head[:50]!r}')
            bad += 1
    return bad


def main(args):
    roots = args or [d for d in DEFAULT if os.path.exists(d)]
    files = []
    for r in roots:
        if os.path.isdir(r):
            for dp, _, fs in os.walk(r):
                files += [os.path.join(dp, f) for f in fs
                          if f.endswith(('.c', '.h'))]
        else:
            files.append(r)
    bad = sum(check_file(f) for f in sorted(files))
    print(f'kdoc_check: {len(files)} files, {bad} mismatches')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
