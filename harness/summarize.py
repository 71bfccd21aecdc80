#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one VM test run into build/test-results.tsv and a summary line.

usage: summarize.py RESULTS_ROOT KSELFTEST_LIST KUNIT_LIST OUT_TSV

RESULTS_ROOT holds one directory per VM boot (per profile of the list).

Rows are "suite<TAB>test<TAB>pass|fail|skip<TAB>reason":
  kunit:<suite>   <case>        one row per KUnit case (boot-time run)
  <coll>:<prog>   <subtest>     one row per TAP subtest of a listed kselftest,
                                or one row named after the program if it
                                prints no subtests
  kernel:<prof>   log|kmemleak  a splat in the kernel log, a kmemleak report
  vm:<prof>       run           the VM timed out or crashed
The last line printed is "N passed, N failed, N skipped".  The exit status
is non-zero on any failure and when no test ran at all.
"""
import os
import re
import sys

# A TAP result line; a directive (SKIP, TODO, XFAIL, TIMEOUT, or free text
# such as "exit status 1") follows " # ".
RESULT = re.compile(r'^(\s*)(not )?ok \d+ (.*?)(?:\s+#\s*(?:(SKIP|XFAIL|TODO|TIMEOUT)\b)?\s*(.*))?\s*$',
                    re.IGNORECASE)


def tidy(s):
    return ' '.join(s.replace('\t', ' ').split())[:200]


def listed(path):
    """Entries of a list file: (name, required) in order."""
    out = []
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line or line.startswith('['):
                continue
            name = line.split()[0]
            out.append((name.lstrip('+'), name.startswith('+')))
    return out


def status_of(neg, directive):
    d = (directive or '').upper()
    if d == 'SKIP':
        return 'skip'
    if d == 'TIMEOUT':
        return 'fail'
    if neg and d not in ('XFAIL', 'TODO'):
        return 'fail'
    return 'pass'


def parse_kunit(rdir, rows):
    seen = set()
    kdir = os.path.join(rdir, 'kunit')
    if not os.path.isdir(kdir):
        return seen
    for fn in sorted(os.listdir(kdir)):
        suite = fn[:-len('.ktap')]
        seen.add(suite)
        lines = open(os.path.join(kdir, fn), errors='replace').read().splitlines()
        indent = None
        for l in lines:
            m = re.match(r'^(\s*)# Subtest: (\S+)', l)
            if m and m.group(2) == suite:
                indent = m.group(1)
                break
        ncase = 0
        for l in lines:
            m = RESULT.match(l)
            if not m or indent is None or m.group(1) != indent:
                continue
            ncase += 1
            st = status_of(m.group(2), m.group(4))
            rows.append(('kunit:' + suite, m.group(3), st,
                         tidy(m.group(5) or '') if st != 'pass' else ''))
        if ncase == 0:
            rows.append(('kunit:' + suite, '(suite)', 'fail', 'no test case results in KTAP'))
    return seen


def parse_kselftest(rdir, entries, rows):
    path = os.path.join(rdir, 'kselftest.tap')
    done = set()
    if not os.path.exists(path):
        return done
    required = dict(entries)
    block = []
    for l in open(path, errors='replace').read().splitlines():
        if l.startswith('#'):
            block.append(l[2:] if l.startswith('# ') else l[1:])
            continue
        m = RESULT.match(l)
        if not m or m.group(1):
            continue
        name, st, why = m.group(3), status_of(m.group(2), m.group(4)), tidy(m.group(5) or '')
        if (m.group(4) or '').upper() == 'TIMEOUT':
            why = 'TIMEOUT ' + why
        done.add(name)
        subs = []
        for b in block:
            sm = RESULT.match(b)
            if sm and not sm.group(1):
                sst = status_of(sm.group(2), sm.group(4))
                subs.append((name, sm.group(3), sst, tidy(sm.group(5) or '') if sst != 'pass' else ''))
        rows.extend(subs)
        prog = name.split(':', 1)[-1]
        if not subs:
            if st == 'skip' and required.get(name):
                st, why = 'fail', 'required test skipped: ' + why
            # A pass keeps its note (a rerun after a known flake).
            rows.append((name, prog, st, why))
        elif st == 'fail' and not any(s[2] == 'fail' for s in subs):
            rows.append((name, '(exit)', 'fail', why or 'program failed after its subtests'))
        elif st == 'skip' and required.get(name):
            rows.append((name, '(exit)', 'fail', 'required test skipped: ' + why))
        block = []
    return done


def check_vm(rdir, prof, rows):
    verr = os.path.join(rdir, 'vm-error')
    if os.path.exists(verr):
        rows.append(('vm:' + prof, 'run', 'fail', tidy(open(verr).read())))
    splats = os.path.join(rdir, 'splats.txt')
    if os.path.exists(splats) and os.path.getsize(splats):
        text = open(splats, errors='replace').read()
        if 'kernel log' in text:
            first = next((l for l in text.splitlines() if re.match(r'^\s+\d+:', l)), ' 0:see splats.txt')
            rows.append(('kernel:' + prof, 'log', 'fail', 'splat: ' + tidy(first.split(':', 1)[1])))
        if 'kmemleak (' in text:
            rows.append(('kernel:' + prof, 'kmemleak', 'fail',
                         tidy(text[text.index('kmemleak ('):].splitlines()[0])))


def main():
    root, klist, kulist, out = sys.argv[1:5]
    rows = []
    entries = listed(klist)
    kunit_seen = set()
    done = set()
    for prof in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        rdir = os.path.join(root, prof)
        if not os.path.isdir(rdir):
            continue
        kunit_seen |= parse_kunit(rdir, rows)
        done |= parse_kselftest(rdir, entries, rows)
        check_vm(rdir, prof, rows)
    for suite, _ in listed(kulist):
        if suite not in kunit_seen:
            rows.append(('kunit:' + suite, '(suite)', 'fail', 'suite did not run (not built in, or filtered out)'))
    filt = os.environ.get('TEST_FILTER', '')
    for name, _ in entries:
        if name not in done and (not filt or re.search(filt, name)):
            rows.append((name, name.split(':', 1)[-1], 'fail', 'no result (VM crashed or timed out before it ran)'))

    with open(out, 'w') as f:
        for r in rows:
            f.write('\t'.join(r) + '\n')

    count = {'pass': 0, 'fail': 0, 'skip': 0}
    for r in rows:
        count[r[2]] += 1
    per_suite = {}
    for r in rows:
        s = per_suite.setdefault(r[0], {'pass': 0, 'fail': 0, 'skip': 0})
        s[r[2]] += 1
    print('%-52s %6s %6s %6s' % ('suite', 'pass', 'fail', 'skip'))
    for s, c in per_suite.items():
        print('%-52s %6d %6d %6d' % (s[:52], c['pass'], c['fail'], c['skip']))
    for r in rows:
        if r[2] != 'pass':
            print('%s: %s %s: %s' % (r[2].upper(), r[0], r[1], r[3]))
    ran = count['pass'] + count['fail']
    if ran == 0:
        print('ERROR: no test ran')
    print('%d passed, %d failed, %d skipped' % (count['pass'], count['fail'], count['skip']))
    sys.exit(1 if count['fail'] or ran == 0 else 0)


if __name__ == '__main__':
    main()
