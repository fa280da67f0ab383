#!/usr/bin/env python3
"""
test_include_rules.py — the layers of src/ may only include what they sit on.

Each folder of src/ is a layer, and a layer includes only the layers below it
(core is the bottom; main.c, which wires everything together, may include
anything):

    core    -> core
    http    -> core
    domain  -> core
    view    -> core, domain
    store   -> core, domain
    mail    -> core, domain, store
    review  -> core, domain, store
    demo    -> core, domain, store, review
    web     -> core, http, domain, store, view, review, mail
    main.c  -> anything

A second rule: a function is declared in a header of the layer that defines
it.  A file that includes another layer's header only for its own prototype
(view/chart.c once took chart_awards_svg from web/web.h) hides a loop between
two layers that the first rule cannot see.

The test reads every `#include "..."` line and every function declared in a
header or defined (not static) in a .c file, under src/ or under the folder
given as its one argument.  It prints each breach as file:line and exits 1, or
prints a count and exits 0.  `meson test --suite unit` runs it (tests/unit).
"""
import os
import re
import sys

RULES = {
    "core": {"core"},
    "http": {"core"},
    "domain": {"core"},
    "view": {"core", "domain"},
    "store": {"core", "domain"},
    "mail": {"core", "domain", "store"},
    "review": {"core", "domain", "store"},
    "demo": {"core", "domain", "store", "review"},
    "web": {"core", "http", "domain", "store", "view", "review", "mail"},
}
EVERYTHING = "main.c"  # the one file that may include any layer

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(rel):
    """The layer of a path relative to src/ ("web/routes.c" -> "web"), or None."""
    parts = rel.split("/")
    return parts[0] if len(parts) > 1 else None


def sources(src):
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".c", ".h")):
                path = os.path.join(dirpath, name)
                yield os.path.relpath(path, src).replace(os.sep, "/"), path


def resolve(src, rel, name):
    """An include as the compiler finds it: beside the file first, then under src/."""
    beside = os.path.normpath(os.path.join(os.path.dirname(rel), name)).replace(os.sep, "/")
    if os.path.isfile(os.path.join(src, beside)):
        return beside
    if os.path.isfile(os.path.join(src, name)):
        return os.path.normpath(name).replace(os.sep, "/")
    return None


def strip_code(text):
    """Comments, string and character literals and preprocessor lines blanked, lines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1 : j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    lines = "".join(out).split("\n")
    continued = False
    for k, line in enumerate(lines):
        if continued or line.lstrip().startswith("#"):
            continued = line.rstrip().endswith("\\")
            lines[k] = ""
    return "\n".join(lines)


ATTRIBUTE = re.compile(r"__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)")
FUNC = re.compile(r"\b([A-Za-z_]\w*)\s*\((?:[^()]|\([^()]*\))*\)\s*$", re.S)


def top_level(text):
    """(statement text, ends with '{' or ';', line) for each statement at brace depth 0."""
    depth, start = 0, 0
    for i, c in enumerate(text):
        if c == "{":
            if depth == 0:
                yield text[start:i], "{", text.count("\n", 0, i) + 1
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                start = i + 1
        elif c == ";" and depth == 0:
            yield text[start:i], ";", text.count("\n", 0, i) + 1
            start = i + 1


def functions(text, want):
    """Names of functions declared (want ';') or defined (want '{') with external linkage."""
    for stmt, end, line in top_level(strip_code(text)):
        s = ATTRIBUTE.sub("", " ".join(stmt.split())).strip()
        if end != want or not s or "=" in s:
            continue
        if re.match(r"(typedef|static|struct \w+ \{|enum|union)\b", s) or "(*" in s:
            continue
        m = FUNC.search(s)
        if m and m.group(1) not in ("if", "while", "for", "switch", "return", "sizeof"):
            yield m.group(1), line


def check(src):
    breaches = []
    declared = {}  # function -> headers that declare it
    files = list(sources(src))
    for rel, path in files:
        if rel.endswith(".h"):
            with open(path, encoding="utf-8") as f:
                for name, _ in functions(f.read(), ";"):
                    declared.setdefault(name, set()).add(rel)
    for rel, path in files:
        layer = layer_of(rel)
        if rel != EVERYTHING and layer not in RULES:
            breaches.append(f"{rel}:1: outside every layer (no rule says what it may include)")
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for no, line in enumerate(text.split("\n"), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            name = m.group(1)
            target = resolve(src, rel, name)
            if target is None:
                breaches.append(f'{rel}:{no}: includes "{name}", which is no file under src/')
                continue
            if ".." in name.split("/"):
                breaches.append(f'{rel}:{no}: includes "{name}": write it as "{target}"')
            if rel == EVERYTHING:
                continue
            to = layer_of(target)
            if to != layer and to not in RULES[layer]:
                allowed = ", ".join(sorted(RULES[layer])) or "nothing"
                breaches.append(
                    f'{rel}:{no}: {layer} includes "{name}" ({to}); {layer} may include '
                    f"{allowed}"
                )
        if rel.endswith(".c") and rel != EVERYTHING:
            for name, no in functions(text, "{"):
                homes = declared.get(name, set())
                if homes and all(layer_of(h) != layer for h in homes):
                    breaches.append(
                        f"{rel}:{no}: defines {name}(), declared in "
                        f"{', '.join(sorted(homes))}: declare it in a {layer}/ header"
                    )
    return breaches, len(files)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "src")
    breaches, n = check(os.path.abspath(src))
    for b in breaches:
        print(b)
    if breaches:
        print(f"{len(breaches)} breach(es) of the include rules (see the top of {__file__})")
        return 1
    print(f"include rules: {n} files, no breach")
    return 0


if __name__ == "__main__":
    sys.exit(main())
