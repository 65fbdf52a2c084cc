# Writes ops.tsv for floor.c: 100,000 operations shaped like AnnotBench (a)'s workload
# (changesets of 100 from 10 authors on 1,000 articles; 60% tag.add, 10% tag.remove,
# 20% note.create, 10% note.edit), one per line:
# kind hlc changeset author article subject value ref payload (\N = NULL).
import random, json
N = 100_000
random.seed(7)
now = 0x0193f1a2b3c4
def hlc(ms, c, r): return "%012x-%08x-%016x" % (ms, c, r)
out = open("ops.tsv", "w")
live = []; notes = []; made = 0; author = 0
def emit(*f): out.write("\t".join("\\N" if x is None else x for x in f) + "\n")
while made < N:
    author = (author + 1) % 10
    cs = None
    for i in range(min(100, N - made)):
        t = hlc(now + made, 0, author + 100)
        if cs is None: cs = t
        art = "%03d_bench" % random.randrange(1000)
        roll = random.randrange(10)
        a = "analyst%d" % author
        if roll < 6:
            tag = "topic/%d" % random.randrange(50); live.append((art, tag, t)); o = ("tag.add", t, cs, a, art, None, tag, None)
        elif roll == 6 and live:
            art2, tag, add = live.pop(); o = ("tag.remove", t, cs, a, art2, None, tag, add)
        elif roll in (7, 8):
            notes.append((t, t)); o = ("note.create", t, cs, a, art, t, "A note about the talks, %d." % made, None)
        else:
            if notes:
                n, base = notes.pop(); notes.append((n, t)); o = ("note.edit", t, cs, a, None, n, "Edited: the precondition is a ceasefire.", base)
            else:
                o = ("tag.add", t, cs, a, art, None, "misc", None)
        k, t, cs_, a, art, subj, val, ref = o
        d = {"v": 1, "hlc": t, "author": a, "kind": k}
        if art: d["article"] = art
        if subj: d["note"] = subj
        if k.startswith("tag"): d["tag"] = val
        elif val: d["body"] = val
        if ref: d["base" if k.startswith("note") else "removes"] = [ref]
        emit(*o, json.dumps(d, separators=(",", ":")))
        made += 1
